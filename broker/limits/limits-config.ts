/** Broker limits from the service configuration (contracts/config.ts keys `MQTT_…`). */
import type { Config } from '../../contracts/config.ts';
import type { BrokerLimitsConfig } from './broker-limits.ts';

export function brokerLimitsFromConfig(config: Config): BrokerLimitsConfig {
  return {
    maxPacketBytes: config.MQTT_MAX_PACKET_BYTES,
    maxConnectionsPerAddress: config.MQTT_MAX_CONNECTIONS_PER_IP,
    connectsPerMin: config.MQTT_CONNECTS_PER_MIN,
    authFailuresBeforeBan: config.MQTT_AUTH_FAILURES_BEFORE_BAN,
    authFailuresPerAddressBeforeBan: config.MQTT_AUTH_FAILURES_PER_IP_BEFORE_BAN,
    authBanMs: config.MQTT_AUTH_BAN_MS,
    publishRatePerS: config.MQTT_PUBLISH_RATE_PER_S,
    publishBurst: config.MQTT_PUBLISH_BURST,
    publishBytesPerS: config.MQTT_PUBLISH_BYTES_PER_S,
    publishBytesBurst: config.MQTT_PUBLISH_BYTES_BURST,
  };
}
