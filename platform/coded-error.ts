/**
 * An error with a stable code, classified by what the caller must do (STYLE principle 7). Each module subclasses
 * it with its own code union; callers and tests switch on `code`, never on the message.
 */
export class CodedError<C extends string> extends Error {
  readonly code: C;
  constructor(code: C, message: string) {
    super(message);
    this.code = code;
  }
}
