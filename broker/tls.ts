/**
 * TLS material of the mqtts and wss listeners, read once at start from the files named in config. A file that
 * cannot be read stops the start with a message naming the key. With a CA file the listeners require a client
 * certificate signed by that CA (mutual TLS) in addition to the MQTT password.
 */
import { readFileSync } from 'node:fs';
import type { TlsOptions } from 'node:tls';
import { ConfigError } from '../contracts/config.ts';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  caFile?: string | undefined;
}

/** A TLS handshake that has not finished by then is dropped (Node's default is 120 s). */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

function readKeyFile(key: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`Invalid configuration:\n  ${key}: cannot read ${JSON.stringify(path)}: ${(err as Error).message}`);
  }
}

export function loadTlsOptions(files: TlsFiles): TlsOptions {
  const options: TlsOptions = {
    cert: readKeyFile('MQTT_TLS_CERT_FILE', files.certFile),
    key: readKeyFile('MQTT_TLS_KEY_FILE', files.keyFile),
    minVersion: 'TLSv1.2',
    handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
  };
  if (files.caFile !== undefined) {
    options.ca = readKeyFile('MQTT_TLS_CA_FILE', files.caFile);
    options.requestCert = true;
    options.rejectUnauthorized = true;
  }
  return options;
}
