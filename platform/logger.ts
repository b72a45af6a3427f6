/** Structured, child-scoped, quiet logs (pino). ERROR means data lost or an operator must act. */
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export function createLogger(level: LevelWithSilent = 'info', name = 'vectorwatch'): Logger {
  return pino({ name, level, base: { name } });
}

/** A logger that writes nothing, for tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
