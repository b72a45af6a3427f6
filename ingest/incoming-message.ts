/** One raw MQTT message as the ingest pipeline sees it: bytes untouched, stamped when they arrived. */
export interface IncomingMessage {
  topic: string;
  payload: Buffer;
  /** Epoch ms from the source's clock at receipt (not the device's `ts`). */
  receivedAtMs: number;
  /**
   * Set by a source that acknowledges upstream (mqtt-source.ts: the PUBACK to the broker). Ingest calls it once the
   * message is decided: durable in the spool, or refused, a duplicate or ignored. Never called when the spool could
   * not take it: the broker then delivers the message again.
   */
  ack?: () => void;
}
