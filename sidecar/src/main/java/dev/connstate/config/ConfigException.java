package dev.connstate.config;

/**
 * A configuration value that cannot be used. The message names the key, the environment
 * variable that overrides it, what was expected and what was found, so an operator can fix
 * it without reading code.
 */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
