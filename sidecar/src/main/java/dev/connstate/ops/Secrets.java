package dev.connstate.ops;

import java.util.regex.Pattern;

/**
 * Keeps passwords out of logs (DESIGN §8): {@code redis://user:secret@host} becomes
 * {@code redis://user:***@host}, wherever such a URL appears in a text.
 */
public final class Secrets {
  private static final Pattern USER_INFO = Pattern.compile("(\\b[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\\s]*):[^@/\\s]*@");

  private Secrets() {
  }

  /** {@code text} with the password of every URL in it replaced by {@code ***}. */
  public static String redact(String text) {
    return text == null ? null : USER_INFO.matcher(text).replaceAll("$1:***@");
  }
}
