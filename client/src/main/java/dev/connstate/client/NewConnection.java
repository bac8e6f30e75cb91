package dev.connstate.client;

import java.util.Map;
import java.util.Objects;

/**
 * What {@link ConnStateClient#register(NewConnection)} sends (DESIGN §2, docs/protocol.md §6.1).
 *
 * @param owner the owning sidecar's instance id, or null for the sidecar answering
 * @param session the client session the connection belongs to (DESIGN §7), or null
 * @param metadata extra metadata keys (they override the five SharpMUSH keys register fills in)
 */
public record NewConnection(long handle, String ipAddress, String hostname, String connectionType, String owner,
                            String session, Map<String, String> metadata) {
  public NewConnection {
    metadata = Map.copyOf(Objects.requireNonNull(metadata, "metadata"));
  }

  /** A connection with the required fields only. */
  public static NewConnection of(long handle, String ipAddress, String hostname, String connectionType) {
    return new NewConnection(handle, ipAddress, hostname, connectionType, null, null, Map.of());
  }

  public NewConnection withOwner(String newOwner) {
    return new NewConnection(handle, ipAddress, hostname, connectionType, newOwner, session, metadata);
  }

  /** In this client session: its connections expire once the session ends (DESIGN §7). */
  public NewConnection withSession(String newSession) {
    return new NewConnection(handle, ipAddress, hostname, connectionType, owner, newSession, metadata);
  }

  public NewConnection withMetadata(Map<String, String> newMetadata) {
    return new NewConnection(handle, ipAddress, hostname, connectionType, owner, session, newMetadata);
  }
}
