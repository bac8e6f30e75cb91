package dev.connstate.ingress.bridge;

import dev.connstate.config.ClientSpec;
import dev.connstate.config.ConfigException;
import dev.connstate.config.SidecarConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The bridge clients (DESIGN §8): each with a name, a role and the SHA-256 of its token, from
 * {@code bridge.clients} and the file {@code bridge.clientsFile} names. Tokens are never kept
 * nor logged: a presented token is hashed and compared with every client's digest in constant
 * time, whichever client it matches.
 */
final class ClientRegistry {
  private final List<ClientSpec> clients;

  private ClientRegistry(List<ClientSpec> clients) {
    this.clients = List.copyOf(clients);
  }

  /** The configured clients; fails with a {@link ConfigException} naming the file, line and problem. */
  static ClientRegistry load(SidecarConfig.BridgeSettings settings) {
    List<ClientSpec> all = new ArrayList<>(settings.clients());
    if (settings.clientsFile() != null) {
      all.addAll(readFile(Path.of(settings.clientsFile())));
    }
    Set<String> names = new HashSet<>();
    for (ClientSpec client : all) {
      if (!names.add(client.name())) {
        throw new ConfigException("bridge client '" + client.name() + "' is configured twice");
      }
    }
    return new ClientRegistry(all);
  }

  private static List<ClientSpec> readFile(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException("cannot read bridge.clientsFile " + file + ": " + e.getMessage());
    }
    List<ClientSpec> clients = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      try {
        clients.add(ClientSpec.parse(line));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("bridge.clientsFile " + file + " line " + (i + 1) + ": " + e.getMessage());
      }
    }
    return clients;
  }

  /** True if no client is configured: the bridge then admits every socket (loopback only). */
  boolean open() {
    return clients.isEmpty();
  }

  int size() {
    return clients.size();
  }

  /** The client whose token this is, comparing with every client's digest in constant time. */
  Optional<Principal> byToken(String token) {
    byte[] digest = sha256(token);
    ClientSpec match = null;
    for (ClientSpec client : clients) {
      if (MessageDigest.isEqual(digest, client.tokenSha256())) {
        match = client;
      }
    }
    return match == null ? Optional.empty() : Optional.of(new Principal(match.name(), match.role()));
  }

  /** The client of this name (a TLS client certificate's CN). */
  Optional<Principal> byName(String name) {
    return clients.stream().filter(c -> c.name().equals(name)).findFirst()
        .map(c -> new Principal(c.name(), c.role()));
  }

  private static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM lacks SHA-256", e);
    }
  }
}
