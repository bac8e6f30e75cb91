package dev.connstate.redis;

/** Told about one Redis connection's life: lost, a failed attempt to reconnect, back again. */
public interface ConnectionListener {
  void lost(String name, Throwable cause);

  void reconnectFailed(String name, int attempt, long nextDelayMs, Throwable cause);

  void restored(String name, int attempts, long downMs);
}
