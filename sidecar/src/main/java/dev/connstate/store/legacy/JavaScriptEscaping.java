package dev.connstate.store.legacy;

/**
 * Writes a JSON string exactly as System.Text.Json does with its default encoder
 * ({@code JavaScriptEncoder.Default}): only printable ASCII that is neither HTML- nor
 * JavaScript-sensitive goes through as is; everything else is escaped, with uppercase hex.
 */
final class JavaScriptEscaping {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();
  /** What the encoder writes for a lone surrogate: it decodes by scalar value and substitutes U+FFFD. */
  private static final char REPLACEMENT = '\uFFFD';
  private static final boolean[] ASCII_AS_IS = asciiAsIs();

  private JavaScriptEscaping() {
  }

  /** Printable ASCII (0x20–0x7E) minus {@code " & ' + < > \ `}, as System.Text.Json's allow-list. */
  private static boolean[] asciiAsIs() {
    boolean[] asIs = new boolean[128];
    for (char c = 0x20; c < 0x7F; c++) {
      asIs[c] = "\"&'+<>\\`".indexOf(c) < 0;
    }
    return asIs;
  }

  /** Appends {@code value} as a quoted JSON string. */
  static void appendQuoted(StringBuilder out, String value) {
    out.append('"');
    int n = value.length();
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (c < 0x80 && ASCII_AS_IS[c]) {
        out.append(c);
      } else if (c < 0x80) {
        appendAsciiEscape(out, c);
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(value.charAt(i + 1))) {
        // a supplementary character: the encoder writes its surrogate pair, each half in hex
        appendHex(out, c);
        appendHex(out, value.charAt(++i));
      } else {
        appendHex(out, Character.isSurrogate(c) ? REPLACEMENT : c);
      }
    }
    out.append('"');
  }

  private static void appendAsciiEscape(StringBuilder out, char c) {
    switch (c) {
      case '\\' -> out.append("\\\\");
      case '\b' -> out.append("\\b");
      case '\f' -> out.append("\\f");
      case '\n' -> out.append("\\n");
      case '\r' -> out.append("\\r");
      case '\t' -> out.append("\\t");
      // the quote too: the default encoder writes it as hex (backslash u0022), never backslash-quote
      default -> appendHex(out, c);
    }
  }

  private static void appendHex(StringBuilder out, char c) {
    out.append("\\u")
        .append(HEX[(c >> 12) & 0xF])
        .append(HEX[(c >> 8) & 0xF])
        .append(HEX[(c >> 4) & 0xF])
        .append(HEX[c & 0xF]);
  }
}
