package dev.connstate.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Lua scripts shipped in the jar under {@code lua/}, and how their constants are filled
 * in. A script names a constant {@code @NAME@}; the reply codes ({@link ScriptCodes}) are
 * filled in by {@link #lua}, the rest by {@link #fill}. Strings become quoted Lua literals, so
 * no value can break out of its string.
 */
public final class Scripts {
  private static final Pattern PLACEHOLDER = Pattern.compile("@([A-Z0-9_]+)@");

  private Scripts() {
  }

  /** The text of {@code lua/<name>} with the reply codes filled in; fails loudly if the jar lacks it. */
  public static String lua(String name) {
    String path = "/lua/" + name;
    try (InputStream in = Scripts.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("the jar lacks " + path);
      }
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      for (Map.Entry<String, String> code : ScriptCodes.constants().entrySet()) {
        text = text.replace("@" + code.getKey() + "@", code.getValue());
      }
      return text;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Fills in {@code strings} (as quoted Lua string literals) and {@code literals} (as they are:
   * numbers, booleans); fails if any placeholder is left unfilled.
   */
  public static String fill(String template, Map<String, String> strings, Map<String, String> literals) {
    String text = template;
    for (Map.Entry<String, String> s : strings.entrySet()) {
      text = text.replace("@" + s.getKey() + "@", luaString(s.getValue()));
    }
    for (Map.Entry<String, String> l : literals.entrySet()) {
      text = text.replace("@" + l.getKey() + "@", l.getValue());
    }
    Matcher left = PLACEHOLDER.matcher(text);
    if (left.find()) {
      throw new IllegalStateException("script constant " + left.group() + " was not filled in");
    }
    return text;
  }

  /** {@code value} as a Lua string literal. */
  static String luaString(String value) {
    StringBuilder out = new StringBuilder(value.length() + 2).append('\'');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\'' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append('\\').append(String.format("%03d", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('\'').toString();
  }

  /** The SHA-1 of {@code text} (UTF-8) in lower-case hex, as Redis names a script. */
  public static String sha1(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM lacks SHA-1", e);
    }
}
}
