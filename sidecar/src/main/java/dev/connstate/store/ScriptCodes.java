package dev.connstate.store;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The reply codes of connstate's Lua scripts, named once for both sides: the scripts receive
 * them as constants ({@link Scripts#lua} fills {@code @APPLIED@} …), and Java reads replies
 * with these names, never with bare numbers.
 */
public final class ScriptCodes {
  /** {@code apply.lua}: the change was stored, version incremented, event published. */
  public static final long APPLIED = 1;
  /** {@code apply.lua}: nothing to do (a repeat), or the connection existed (register). */
  public static final long UNCHANGED = 0;
  /** {@code apply.lua}: no such connection. */
  public static final long NO_CONNECTION = -1;
  /** {@code apply.lua}: bound to another player. */
  public static final long CONFLICT = -2;
  /** {@code apply.lua} register: the connection exists only as a v1 record. */
  public static final long EXISTS_AS_V1 = -4;
  /** {@code apply.lua}: the sender's lease does not hold its epoch; nothing changed (DESIGN §7). */
  public static final long FENCED = -7;
  /** {@code apply.lua} register: the connection's owner, another sidecar, holds no lease (DESIGN §7). */
  public static final long OWNER_UNLEASED = -8;
  /** {@code read.lua}: the hash was too large to read safely; its fixed fields follow. */
  public static final long OVERSIZED = -6;
  /** {@code convert.lua}: the v2 hash was written from the v1 record. */
  public static final long CONVERTED = 1;
  /** {@code convert.lua}: a v2 hash existed already. */
  public static final long ALREADY_CONVERTED = 0;
  /** {@code convert.lua}: the v1 record changed or vanished since it was read. */
  public static final long V1_CHANGED = -1;

  private ScriptCodes() {
  }

  /** Every code by its name, as {@link Scripts} fills them in. */
  static Map<String, String> constants() {
    Map<String, String> codes = new LinkedHashMap<>();
    codes.put("APPLIED", Long.toString(APPLIED));
    codes.put("UNCHANGED", Long.toString(UNCHANGED));
    codes.put("NO_CONNECTION", Long.toString(NO_CONNECTION));
    codes.put("CONFLICT", Long.toString(CONFLICT));
    codes.put("EXISTS_AS_V1", Long.toString(EXISTS_AS_V1));
    codes.put("FENCED", Long.toString(FENCED));
    codes.put("OWNER_UNLEASED", Long.toString(OWNER_UNLEASED));
    codes.put("OVERSIZED", Long.toString(OVERSIZED));
    codes.put("CONVERTED", Long.toString(CONVERTED));
    codes.put("ALREADY_CONVERTED", Long.toString(ALREADY_CONVERTED));
    codes.put("V1_CHANGED", Long.toString(V1_CHANGED));
    return codes;
  }
}
