package dev.connstate.testing;

/**
 * Connection hashes written into Redis by hand, as an older version or an operator might have
 * left them: the fixed fields of the v2 schema, {@code keys} metadata fields of
 * {@code valueBytes} bytes each, and the handle in the active set. Written by one script on the
 * server, so that tens of megabytes take a fraction of a second.
 */
public final class HandWrittenRecords {
  private static final String SCRIPT = """
      local prefix, first, count, keys, size = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]),
        tonumber(ARGV[5])
      local value = string.rep('v', size)
      for h = first, first + count - 1 do
        local handle = string.format('%d', h)
        local key = prefix .. 'conn:{' .. handle .. '}'
        redis.call('HSET', key, 'handle', handle, 'version', '1', 'lastSeen', '1780000000000', 'state', 'Connected',
          'ipAddress', '203.0.113.9:4000', 'hostname', 'written.by.hand', 'connectionType', 'telnet',
          'owner', 'by-hand', 'connectedAt', '1780000000000')
        local batch = {}
        for k = 1, keys do
          batch[#batch + 1] = 'meta:K' .. k
          batch[#batch + 1] = value
          if #batch >= 2000 or k == keys then
            redis.call('HSET', key, unpack(batch))
            batch = {}
          end
        end
        redis.call('SADD', prefix .. 'conn:active', handle)
      end
      return count
      """;
  /** Fields besides metadata the script writes (handle, version, lastSeen, state, … connectedAt). */
  public static final int FIXED_FIELDS = 9;

  private HandWrittenRecords() {
  }

  /** Writes handles {@code first} … {@code first + count - 1} under {@code prefix}. */
  public static void write(TestRedis redis, String prefix, long first, int count, int keys, int valueBytes) {
    redis.call("EVAL", SCRIPT, 0, prefix, first, count, keys, valueBytes);
  }
}
