package dev.connstate.store.legacy;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Converts between Unix milliseconds and the text System.Text.Json uses for a .NET
 * {@code DateTimeOffset}: {@code 2026-02-13T17:15:57.1234567+00:00}.
 */
final class DotNetTimestamps {
  /**
   * Date, time with seconds, an optional fraction and a mandatory offset. System.Text.Json reads
   * up to 16 fractional digits (it keeps seven); a time without an offset it would take as the
   * reader's local time, which no stored record can mean, so that is refused.
   */
  private static final Pattern ISO = Pattern.compile(
      "(\\d{4})-(\\d{2})-(\\d{2})T(\\d{2}):(\\d{2}):(\\d{2})(?:\\.(\\d{1,16}))?(?:(Z)|([+-])(\\d{2}):(\\d{2}))");
  /** .NET refuses offsets beyond ±14:00. */
  private static final int MAX_OFFSET_MINUTES = 14 * 60;
  /** .NET's DateTimeOffset covers years 1 to 9999 only. */
  private static final int MIN_YEAR = 1;
  private static final int MAX_YEAR = 9999;

  private DotNetTimestamps() {
  }

  /**
   * Parses {@code text} to Unix milliseconds, honouring its offset and dropping anything below a
   * millisecond; throws {@link IllegalArgumentException} saying what is wrong.
   */
  static long parseMillis(String text) {
    Matcher m = ISO.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException("expected an ISO-8601 date and time with offset, "
          + "such as 2026-02-13T17:15:57.1234567+00:00");
    }
    try {
      LocalDateTime local = LocalDateTime.of(num(m, 1), num(m, 2), num(m, 3), num(m, 4), num(m, 5), num(m, 6),
          nanos(m.group(7)));
      Instant instant = local.toInstant(offset(m));
      if (!inRange(local.getYear()) || !inRange(instant.atOffset(ZoneOffset.UTC).getYear())) {
        throw new DateTimeException("outside .NET's DateTimeOffset range (years 1 to 9999)");
      }
      return instant.toEpochMilli();
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("not a valid date and time: " + e.getMessage(), e);
    }
  }

  /**
   * The text System.Text.Json writes for this instant as a UTC DateTimeOffset; throws
   * {@link IllegalArgumentException} if .NET cannot represent it.
   */
  static String format(long epochMillis) {
    OffsetDateTime t = Instant.ofEpochMilli(epochMillis).atOffset(ZoneOffset.UTC);
    if (!inRange(t.getYear())) {
      throw new IllegalArgumentException(epochMillis + " ms is outside .NET's DateTimeOffset range (years 1 to 9999)");
    }
    StringBuilder out = new StringBuilder(29);
    pad(out, t.getYear(), 4).append('-');
    pad(out, t.getMonthValue(), 2).append('-');
    pad(out, t.getDayOfMonth(), 2).append('T');
    pad(out, t.getHour(), 2).append(':');
    pad(out, t.getMinute(), 2).append(':');
    pad(out, t.getSecond(), 2);
    // System.Text.Json trims trailing zeros of the fraction and drops an all-zero one
    int millis = t.getNano() / 1_000_000;
    if (millis != 0) {
      String fraction = String.format("%03d", millis);
      int end = fraction.length();
      while (fraction.charAt(end - 1) == '0') {
        end--;
      }
      out.append('.').append(fraction, 0, end);
    }
    return out.append("+00:00").toString();
  }

  private static int num(Matcher m, int group) {
    return Integer.parseInt(m.group(group));
  }

  /** The first nine fractional digits as nanoseconds; the milliseconds are all we keep anyway. */
  private static int nanos(String fraction) {
    if (fraction == null) {
      return 0;
    }
    String nine = (fraction + "00000000").substring(0, 9);
    return Integer.parseInt(nine);
  }

  private static ZoneOffset offset(Matcher m) {
    if (m.group(8) != null) {
      return ZoneOffset.UTC;
    }
    int hours = num(m, 10);
    int minutes = num(m, 11);
    if (minutes > 59 || hours * 60 + minutes > MAX_OFFSET_MINUTES) {
      throw new DateTimeException("offset " + m.group(9) + m.group(10) + ":" + m.group(11) + " is beyond ±14:00");
    }
    int sign = "-".equals(m.group(9)) ? -1 : 1;
    return ZoneOffset.ofHoursMinutes(sign * hours, sign * minutes);
  }

  private static boolean inRange(int year) {
    return year >= MIN_YEAR && year <= MAX_YEAR;
  }

  private static StringBuilder pad(StringBuilder out, int value, int width) {
    String digits = Integer.toString(value);
    for (int i = digits.length(); i < width; i++) {
      out.append('0');
    }
    return out.append(digits);
  }
}
