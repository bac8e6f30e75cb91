package dev.connstate.model;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A reference to a player object: {@code #N}, or {@code #N:creationMillis} when the creation
 * time disambiguates a recycled object number. The canonical text has no leading zeros.
 *
 * @param number the object number, 0 to 2^31-1
 * @param creationMillis the object's creation time in Unix milliseconds, or null
 */
public record PlayerRef(int number, Long creationMillis) {
  private static final Pattern FORM = Pattern.compile("#(\\d{1,10})(?::(\\d{1,16}))?");
  /** What a valid reference looks like, for error messages. */
  public static final String EXPECTED = "a player reference #N or #N:creationMillis";

  /** Parses {@code #N} or {@code #N:c}; throws {@link IllegalArgumentException} otherwise. */
  public static PlayerRef parse(String text) {
    Matcher m = FORM.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException(EXPECTED);
    }
    long number = Long.parseLong(m.group(1));
    if (number > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(EXPECTED + " with N at most " + Integer.MAX_VALUE);
    }
    Long creation = m.group(2) == null ? null : Long.parseLong(m.group(2));
    return new PlayerRef((int) number, creation);
  }

  /** True if this reference selects {@code bound}: {@code #N} selects any creation time. */
  public boolean selects(PlayerRef bound) {
    return number == bound.number && (creationMillis == null || creationMillis.equals(bound.creationMillis));
  }

  @Override
  public String toString() {
    return creationMillis == null ? "#" + number : "#" + number + ":" + creationMillis;
  }
}
