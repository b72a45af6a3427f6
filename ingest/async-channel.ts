/**
 * A single-consumer queue exposed as an AsyncIterable: the push side (an event emitter) and the pull side
 * (`for await`) meet here. `room()` lets the producer hold off acknowledging while the consumer is behind, which
 * is how the MQTT source turns a slow pipeline into PUBACK back-pressure instead of unbounded memory.
 * `close()` ends the iteration after the buffered items have been taken: nothing received is lost.
 */
export interface AsyncChannel<T> extends AsyncIterable<T> {
  push(item: T): void;
  /** Resolves when fewer than `highWaterMark` items are buffered (at once when already so, or once closed). */
  room(): Promise<void>;
  close(): void;
  size(): number;
}

export function createAsyncChannel<T>(opts: { highWaterMark: number }): AsyncChannel<T> {
  let items: T[] = [];
  let head = 0;
  let closed = false;
  let takeWaiter: ((r: IteratorResult<T>) => void) | undefined;
  let roomWaiters: (() => void)[] = [];

  const size = () => items.length - head;
  const releaseRoom = () => {
    if ((size() >= opts.highWaterMark && !closed) || roomWaiters.length === 0) return;
    const waiters = roomWaiters;
    roomWaiters = [];
    for (const w of waiters) w();
  };
  const take = (): T => {
    const item = items[head] as T;
    items[head] = undefined as T;
    head++;
    // Compact now and then so a long-lived channel does not grow its array forever.
    if (head > 1024 && head * 2 > items.length) {
      items = items.slice(head);
      head = 0;
    }
    releaseRoom();
    return item;
  };

  return {
    push(item) {
      if (closed) return;
      if (takeWaiter !== undefined) {
        const w = takeWaiter;
        takeWaiter = undefined;
        w({ value: item, done: false });
        return;
      }
      items.push(item);
    },
    room() {
      if (closed || size() < opts.highWaterMark) return Promise.resolve();
      return new Promise((resolve) => roomWaiters.push(resolve));
    },
    close() {
      closed = true;
      releaseRoom();
      if (takeWaiter !== undefined && size() === 0) {
        const w = takeWaiter;
        takeWaiter = undefined;
        w({ value: undefined, done: true });
      }
    },
    size,
    [Symbol.asyncIterator](): AsyncIterator<T> {
      return {
        next(): Promise<IteratorResult<T>> {
          if (size() > 0) return Promise.resolve({ value: take(), done: false });
          if (closed) return Promise.resolve({ value: undefined, done: true });
          return new Promise((resolve) => (takeWaiter = resolve));
        },
      };
    },
  };
}
