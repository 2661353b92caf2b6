export type { Logger, LogFields, LogLevel, WinstonLoggerOptions } from './logger';
export { NOOP_LOGGER, REDACTED, SecretRegistry, WinstonLogger } from './logger';
