package dev.connstate.config;

import dev.connstate.protocol.Role;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * One bridge client as configured: its name, its role, and the SHA-256 of its token (never the
 * token itself). Written as one line {@code name role sha256-hex}, in {@code bridge.clients}
 * and in the file {@code bridge.clientsFile} names.
 */
public record ClientSpec(String name, Role role, byte[] tokenSha256) {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:@-]{1,128}");
  private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]{64}");

  /** Parses {@code name role sha256-hex}; throws {@link IllegalArgumentException} saying what is wrong. */
  public static ClientSpec parse(String line) {
    String[] parts = line.trim().split("\\s+");
    if (parts.length != 3) {
      throw new IllegalArgumentException("expected 'name role sha256-hex' (three words), got " + parts.length
          + " words");
    }
    if (!NAME.matcher(parts[0]).matches()) {
      throw new IllegalArgumentException("client name '" + parts[0] + "': 1 to 128 of A-Z a-z 0-9 . _ : @ -");
    }
    Role role = Role.fromWire(parts[1]);
    if (!HEX.matcher(parts[2]).matches()) {
      throw new IllegalArgumentException("client " + parts[0] + ": the token digest must be 64 hex digits (the "
          + "SHA-256 of the token, e.g. printf %s \"$TOKEN\" | sha256sum), not the token itself");
    }
    return new ClientSpec(parts[0], role, HexFormat.of().parseHex(parts[2]));
  }
}
