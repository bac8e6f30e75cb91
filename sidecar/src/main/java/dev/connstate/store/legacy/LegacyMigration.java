package dev.connstate.store.legacy;

import dev.connstate.model.ConnectionRecord;
import dev.connstate.model.Fields;
import dev.connstate.model.MalformedRecordException;
import dev.connstate.store.IndexRepair;
import dev.connstate.store.RedisKeys;
import dev.connstate.store.ScriptCodes;
import dev.connstate.store.Scripts;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code connstate migrate}: converts every v1 record to its v2 hash (DESIGN §4).
 *
 * <p>It SCANs the v1 keys ({@code <prefix>conn:<digits>}: {@code conn:active} and the v2
 * hashes are not v1 records), converts each with the same atomic script the sidecars use — a
 * key that already has a v2 hash is left alone, and a record a v1 writer changed meanwhile is
 * read again — and removes from {@code conn:active} the handles that have neither a hash nor a
 * v1 record. Malformed records are reported by name and left untouched. It is idempotent, can
 * be interrupted and run again, and is safe while sidecars serve traffic.
 */
public final class LegacyMigration {
  private static final String CONVERT = Scripts.lua("convert.lua");
  private static final String DROP_LEGACY = Scripts.lua("drop_legacy.lua");
  private static final int CHANGED_RETRIES = 3;

  private final Redis redis;
  private final RedisKeys keys;
  private final long ttlMs;
  private final Options options;
  private final Consumer<Report> progress;
  private final Report report = new Report();

  /**
   * @param dryRun change nothing; count what would be done
   * @param deleteLegacy delete each v1 key once its v2 hash exists
   * @param batch keys per SCAN and per pipelined batch
   */
  public record Options(boolean dryRun, boolean deleteLegacy, int batch) {
  }

  /** Counts so far (and at the end). Mutated only by the migration's own callbacks. */
  public static final class Report {
    public long scanned;
    public long migrated;
    public long alreadyMigrated;
    public long changedMeanwhile;
    public long legacyDeleted;
    public long orphansRemoved;
    public final List<String> malformed = new ArrayList<>();
    public boolean finished;
  }

  public LegacyMigration(Redis redis, RedisKeys keys, long ttlMs, Options options, Consumer<Report> progress) {
    this.redis = redis;
    this.keys = keys;
    this.ttlMs = ttlMs;
    this.options = options;
    this.progress = progress;
  }

  /** Runs the whole migration. */
  public Future<Report> run() {
    return scan("0")
        .compose(v -> redis.send(Request.cmd(Command.SMEMBERS).arg(keys.active())))
        .compose(members -> new IndexRepair(redis::send, keys, false).removeOrphans(handles(members), options.dryRun()))
        .map(removed -> {
          report.orphansRemoved = removed;
          report.finished = true;
          progress.accept(report);
          return report;
        });
  }

  private Future<Void> scan(String cursor) {
    Request scan = Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(keys.legacyPattern())
        .arg("COUNT").arg(options.batch());
    return redis.send(scan).compose(reply -> {
      String next = reply.get(0).toString();
      List<Long> handles = new ArrayList<>();
      for (Response key : reply.get(1)) {
        long handle = keys.legacyHandle(key.toString());
        if (handle >= 0) {
          handles.add(handle);
        }
      }
      return migrate(handles).compose(v -> {
        progress.accept(report);
        return "0".equals(next) ? Future.succeededFuture() : scan(next);
      });
    });
  }

  private Future<Void> migrate(List<Long> handles) {
    if (handles.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Request> gets = new ArrayList<>();
    handles.forEach(h -> gets.add(Request.cmd(Command.GET).arg(keys.legacyConnection(h))));
    return redis.batch(gets).compose(records -> {
      List<Future<Void>> each = new ArrayList<>();
      for (int i = 0; i < handles.size(); i++) {
        Response json = records.get(i);
        if (json != null) {
          report.scanned++;
          each.add(migrateOne(handles.get(i), json.toString(), 0));
        }
      }
      return Future.all(each).mapEmpty();
    });
  }

  private Future<Void> migrateOne(long handle, String json, int retry) {
    ConnectionRecord record;
    try {
      record = LegacyJson.parse(handle, json);
    } catch (MalformedRecordException e) {
      report.malformed.add(keys.legacyConnection(handle) + ": " + e.getMessage());
      return Future.succeededFuture();
    }
    if (options.dryRun()) {
      return redis.send(Request.cmd(Command.EXISTS).arg(keys.connection(handle))).map(exists -> {
        if (exists.toLong() == 1) {
          report.alreadyMigrated++;
        } else {
          report.migrated++;
        }
        if (options.deleteLegacy()) {
          report.legacyDeleted++;
        }
        return null;
      });
    }
    return convert(handle, json, record).compose(outcome -> {
      if (outcome == ScriptCodes.V1_CHANGED) {
        if (retry >= CHANGED_RETRIES) {
          report.changedMeanwhile++;
          return Future.succeededFuture();
        }
        return redis.send(Request.cmd(Command.GET).arg(keys.legacyConnection(handle))).compose(again ->
            again == null ? Future.succeededFuture() : migrateOne(handle, again.toString(), retry + 1));
      }
      if (outcome == ScriptCodes.CONVERTED) {
        report.migrated++;
      } else {
        report.alreadyMigrated++;
      }
      return options.deleteLegacy() ? dropLegacy(handle) : Future.succeededFuture();
    });
  }

  private Future<Long> convert(long handle, String json, ConnectionRecord record) {
    Request eval = Request.cmd(Command.EVAL).arg(CONVERT).arg(3).arg(keys.connection(handle))
        .arg(keys.legacyConnection(handle)).arg(keys.active()).arg(json).arg(ttlMs).arg(handle)
        .arg(Fields.HANDLE).arg(handle).arg(Fields.VERSION).arg(record.version())
        .arg(Fields.LAST_SEEN).arg(record.lastSeen());
    record.registerFields().forEach(eval::arg);
    return redis.send(eval).map(Response::toLong);
  }

  private Future<Void> dropLegacy(long handle) {
    return redis.send(Request.cmd(Command.EVAL).arg(DROP_LEGACY).arg(2).arg(keys.connection(handle))
        .arg(keys.legacyConnection(handle))).map(deleted -> {
          report.legacyDeleted += deleted.toLong();
          return null;
        });
  }

  private static List<Long> handles(Response members) {
    List<Long> out = new ArrayList<>();
    if (members != null) {
      for (Response m : members) {
        String member = m.toString();
        if (!member.isEmpty() && member.length() <= 16 && member.chars().allMatch(Character::isDigit)) {
          out.add(Long.parseLong(member));
        }
      }
    }
    return out;
  }

}
