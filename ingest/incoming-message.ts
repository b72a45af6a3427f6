/** One raw MQTT message as the ingest pipeline sees it: bytes untouched, stamped when they arrived. */
export interface IncomingMessage {
  topic: string;
  payload: Buffer;
  /** Epoch ms from the source's clock at receipt (not the device's `ts`). */
  receivedAtMs: number;
}
