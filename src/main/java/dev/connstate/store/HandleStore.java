package dev.connstate.store;

import dev.connstate.model.ConnectionRecord;
import dev.connstate.model.FieldChange;
import dev.connstate.model.Fields;
import dev.connstate.model.MalformedRecordException;
import dev.connstate.store.legacy.LegacyJson;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One shard's access to the v2 Redis schema (DESIGN §4). Every change is one atomic call of
 * the {@code apply.lua} script by SHA, on the shard's pipelined connection.
 *
 * <p>The schema, as the commands the script runs for handle 42 with the default prefix:
 * <pre>
 * register:   HSET sharpmush:conn:{42} handle 42 version 1 lastSeen 1770999357123 state Connected
 *                  ipAddress 203.0.113.5:50122 hostname 203.0.113.5:50122 connectionType telnet
 *                  owner connsrv-1 connectedAt 1770999357123 meta:ConnectionStartTime 1770999357123 …
 *             PEXPIRE sharpmush:conn:{42} 86400000
 *             SADD sharpmush:conn:active 42
 *             PUBLISH sharpmush:conn:events {"type":"registered","handle":42,"version":1,…}
 * bind:       HSET sharpmush:conn:{42} lastSeen 1770999399000 state LoggedIn playerRef #5:1700000000000
 *             HINCRBY sharpmush:conn:{42} version 1
 *             PEXPIRE sharpmush:conn:{42} 86400000
 *             SADD sharpmush:player:{#5:1700000000000} 42
 *             PUBLISH sharpmush:conn:events {"type":"bound","handle":42,"version":2,…}
 * update:     HSET sharpmush:conn:{42} lastSeen 1770999400000 meta:WIDTH 120
 *             HDEL sharpmush:conn:{42} meta:GMCP                      (keys sent as null)
 *             HINCRBY sharpmush:conn:{42} version 1
 *             PEXPIRE sharpmush:conn:{42} 86400000
 *             PUBLISH sharpmush:conn:events {"type":"updated","handle":42,"version":3,…}
 * unbind:     HSET … state Connected; HDEL sharpmush:conn:{42} playerRef; HINCRBY; PEXPIRE;
 *             SREM sharpmush:player:{#5:1700000000000} 42; PUBLISH … "unbound"
 * disconnect: DEL sharpmush:conn:{42}
 *             SREM sharpmush:conn:active 42
 *             SREM sharpmush:player:{#5:1700000000000} 42
 *             PUBLISH sharpmush:conn:events {"type":"disconnected","handle":42,"version":4,…}
 * </pre>
 * Changes to a missing hash are refused ({@link WriteOutcome.Status#NO_CONNECTION}): only
 * register creates a connection. In Redis Cluster mode the index sets live in other slots, so
 * the SADD/SREM lines are sent as separate commands right after the script.
 */
public final class HandleStore {
  private static final String TEMPLATE = Scripts.lua("legacy_json.lua") + "\n" + Scripts.lua("apply.lua");
  private static final String CONVERT = Scripts.lua("convert.lua");
  private static final String OP_REGISTER = "r";
  private static final String OP_BIND = "b";
  private static final String OP_UNBIND = "u";
  private static final String OP_METADATA = "m";
  private static final String OP_DISCONNECT = "d";

  private final ManagedConnection connection;
  private final ScriptCaller script;
  private final RedisKeys keys;
  /**
   * Redis Cluster: index sets are written outside the script, batches may not span slots, and
   * there are no v1 keys to fall back to (v1 never ran on a cluster).
   */
  private final boolean cluster;
  private final long ttlMs;
  private final ScriptCaller convert;

  /**
   * @param dual keep each connection's v1 key current too ({@code store.schema = dual})
   */
  public HandleStore(ManagedConnection connection, RedisKeys keys, String origin, long ttlMs, boolean cluster,
                     boolean dual, int shard) {
    this.connection = connection;
    this.keys = keys;
    this.cluster = cluster;
    this.ttlMs = ttlMs;
    this.script = new ScriptCaller(connection, scriptSource(keys, origin, ttlMs, cluster, dual, shard));
    this.convert = new ScriptCaller(connection, "-- shard " + shard + "\n" + CONVERT);
    connection.onConnected(script::load);
    connection.onConnected(convert::load);
  }

  /** The change script as this shard runs it: the template with its constants filled in. */
  static String scriptSource(RedisKeys keys, String origin, long ttlMs, boolean cluster, boolean dual, int shard) {
    return TEMPLATE
        .replace("@PREFIX@", keys.prefix())
        .replace("@CHANNEL@", keys.eventsChannel())
        .replace("@ORIGIN@", origin)
        .replace("@TTL@", Long.toString(ttlMs))
        .replace("@INDEX@", Boolean.toString(!cluster))
        .replace("@LEGACY@", Boolean.toString(!cluster))
        .replace("@DUAL@", Boolean.toString(dual))
        .replace("@SHARD@", Integer.toString(shard));
  }

  /** Connects (retrying until Redis answers) and loads the change script; call once. */
  public Future<Void> start() {
    return connection.start();
  }

  /** Creates the connection unless it exists; then returns the stored one instead. */
  public Future<RegisterOutcome> register(ConnectionRecord record, Ticket ticket) {
    List<String> args = new ArrayList<>();
    args.add(OP_REGISTER);
    args.add(Long.toString(record.lastSeen()));
    args.addAll(record.registerFields());
    long handle = record.handle();
    return script.call(keys.connection(handle), args, ticket).compose(r -> {
      long code = Replies.number(r, 0);
      if (code == 1) {
        return index(Command.SADD, keys.active(), handle).map(v -> new RegisterOutcome(true, null, false));
      }
      if (code == -4) {
        return Future.succeededFuture(new RegisterOutcome(false, null, true));
      }
      return Future.succeededFuture(new RegisterOutcome(false, ConnectionRecord.fromHash(handle, Replies.hash(r.get(1))),
          false));
    });
  }

  /** Binds the connection to a player. */
  public Future<WriteOutcome> bind(long handle, String playerRef, long at, Ticket ticket) {
    return script.call(keys.connection(handle), List.of(OP_BIND, Long.toString(at), playerRef), ticket)
        .map(HandleStore::outcome)
        .compose(o -> o.status() == WriteOutcome.Status.APPLIED
            ? index(Command.SADD, keys.player(playerRef), handle).map(o) : Future.succeededFuture(o));
  }

  /** Unbinds the connection from its player. */
  public Future<WriteOutcome> unbind(long handle, long at, Ticket ticket) {
    return script.call(keys.connection(handle), List.of(OP_UNBIND, Long.toString(at)), ticket)
        .map(HandleStore::outcome)
        .compose(o -> o.status() == WriteOutcome.Status.APPLIED
            ? index(Command.SREM, keys.player(o.boundRef()), handle).map(o) : Future.succeededFuture(o));
  }

  /** Sets and removes metadata keys ({@code meta:} fields only); {@code ticket} may be null. */
  public Future<WriteOutcome> update(long handle, FieldChange change, long at, Ticket ticket) {
    List<String> sets = new ArrayList<>();
    List<String> removals = new ArrayList<>();
    change.fields().forEach((field, value) -> {
      if (value == null) {
        removals.add(Fields.metaKey(field));
      } else {
        sets.add(Fields.metaKey(field));
        sets.add(value);
      }
    });
    List<String> args = new ArrayList<>(3 + sets.size() + removals.size());
    args.add(OP_METADATA);
    args.add(Long.toString(at));
    args.add(Integer.toString(sets.size() / 2));
    args.addAll(sets);
    args.addAll(removals);
    return script.call(keys.connection(handle), args, ticket).map(HandleStore::outcome);
  }

  /** Removes the connection and its index entries. */
  public Future<WriteOutcome> disconnect(long handle, String reason, long at, Ticket ticket) {
    List<String> args = reason == null ? List.of(OP_DISCONNECT, Long.toString(at))
        : List.of(OP_DISCONNECT, Long.toString(at), reason);
    return script.call(keys.connection(handle), args, ticket)
        .map(HandleStore::outcome)
        .compose(o -> {
          if (o.status() != WriteOutcome.Status.APPLIED || !cluster) {
            return Future.succeededFuture(o);
          }
          Future<Void> active = index(Command.SREM, keys.active(), handle);
          return o.boundRef() == null ? active.map(o)
              : active.compose(v -> index(Command.SREM, keys.player(o.boundRef()), handle)).map(o);
        });
  }

  /** A critical change's caller stopped waiting: drop its request if it has not left yet. */
  public void abandon(Ticket ticket) {
    ticket.abandon();
    connection.abandoned();
  }

  /** Runs {@code listener} each time the shard's connection is back after a loss. */
  public void onRestored(Runnable listener) {
    connection.onRestored(listener);
  }

  /** Closes the shard's connection for good. */
  public Future<Void> close() {
    return connection.close();
  }

  /**
   * Reads one connection: its v2 hash, else (outside Redis Cluster) its v1 record; null when
   * Redis has neither. Fails with {@link MalformedRecordException} on one that cannot be read.
   */
  public Future<StoredConnection> read(long handle) {
    return read(handle, null);
  }

  /** Like {@link #read(long)}, unless {@code ticket} is abandoned before the request leaves. */
  public Future<StoredConnection> read(long handle, Ticket ticket) {
    Future<Response> hash = connection.send(Request.cmd(Command.HGETALL).arg(keys.connection(handle)), ticket);
    // sent right behind the HGETALL, so both answers come in one round trip
    Future<Response> legacy = cluster ? Future.succeededFuture()
        : connection.send(Request.cmd(Command.GET).arg(keys.legacyConnection(handle)), ticket);
    return Future.all(hash, legacy).map(both -> stored(handle, hash.result(), legacy.result()));
  }

  /**
   * Reads many connections with pipelined HGETALLs (one batch, outside Redis Cluster) and, for
   * those without a hash, their v1 records. Each result is a {@link StoredConnection}, null if
   * Redis has neither, or the {@link MalformedRecordException} that explains why it cannot be read.
   */
  public Future<List<Object>> readAll(List<Long> handles) {
    List<Request> requests = new ArrayList<>(handles.size());
    for (long handle : handles) {
      requests.add(Request.cmd(Command.HGETALL).arg(keys.connection(handle)));
    }
    return hgetall(requests).compose(hashes -> {
      List<Integer> missing = new ArrayList<>();
      List<Request> gets = new ArrayList<>();
      for (int i = 0; i < handles.size(); i++) {
        if (!cluster && Replies.isEmpty(hashes.get(i))) {
          missing.add(i);
          gets.add(Request.cmd(Command.GET).arg(keys.legacyConnection(handles.get(i))));
        }
      }
      Future<List<Response>> legacy = gets.isEmpty() ? Future.succeededFuture(List.of()) : connection.batch(gets);
      return legacy.map(records -> {
        Response[] legacyByIndex = new Response[handles.size()];
        for (int j = 0; j < missing.size(); j++) {
          legacyByIndex[missing.get(j)] = records.get(j);
        }
        List<Object> out = new ArrayList<>(handles.size());
        for (int i = 0; i < handles.size(); i++) {
          try {
            out.add(stored(handles.get(i), hashes.get(i), legacyByIndex[i]));
          } catch (MalformedRecordException e) {
            out.add(e);
          } catch (IllegalArgumentException e) {
            out.add(new MalformedRecordException("handle " + handles.get(i) + ": " + e.getMessage()));
          }
        }
        return out;
      });
    });
  }

  private static StoredConnection stored(long handle, Response hashReply, Response legacyReply) {
    Map<String, String> hash = Replies.hash(hashReply);
    if (!hash.isEmpty()) {
      return new StoredConnection(ConnectionRecord.fromHash(handle, hash), null);
    }
    if (legacyReply == null) {
      return null;
    }
    String json = legacyReply.toString();
    return new StoredConnection(LegacyJson.parse(handle, json), json);
  }

  /**
   * Converts a connection that exists only as a v1 record into its v2 hash, atomically, and
   * only if the v1 record is still exactly what was read (a v1 writer may still be active
   * during a rolling upgrade). Publishes no event: the connection did not change.
   */
  public Future<ConvertOutcome> convert(StoredConnection stored) {
    ConnectionRecord record = stored.record();
    long handle = record.handle();
    List<String> args = new ArrayList<>();
    args.add(stored.legacyJson());
    args.add(Long.toString(ttlMs));
    args.add(Long.toString(handle));
    args.addAll(List.of(Fields.HANDLE, Long.toString(handle), Fields.VERSION, Long.toString(record.version()),
        Fields.LAST_SEEN, Long.toString(record.lastSeen())));
    args.addAll(record.registerFields());
    return convert.call(List.of(keys.connection(handle), keys.legacyConnection(handle), keys.active()), args, null)
        .map(r -> switch (r.toInteger()) {
          case 1 -> ConvertOutcome.CONVERTED;
          case 0 -> ConvertOutcome.ALREADY;
          default -> ConvertOutcome.CHANGED;
        });
  }

  private Future<List<Response>> hgetall(List<Request> requests) {
    if (!cluster) {
      return connection.batch(requests);
    }
    List<Future<Response>> replies = new ArrayList<>(requests.size());
    requests.forEach(r -> replies.add(connection.send(r)));
    return Future.all(replies).map(all -> {
      List<Response> out = new ArrayList<>(replies.size());
      replies.forEach(f -> out.add(f.result()));
      return out;
    });
  }

  private Future<Void> index(Command command, String set, long handle) {
    if (!cluster) {
      return Future.succeededFuture();
    }
    return connection.send(Request.cmd(command).arg(set).arg(handle)).mapEmpty();
  }

  private static WriteOutcome outcome(Response r) {
    long code = Replies.number(r, 0);
    if (code == 1) {
      return new WriteOutcome(WriteOutcome.Status.APPLIED, Replies.number(r, 1), Replies.text(r, 2));
    }
    if (code == 0) {
      return new WriteOutcome(WriteOutcome.Status.UNCHANGED, Replies.number(r, 1), Replies.text(r, 2));
    }
    if (code == -2) {
      return new WriteOutcome(WriteOutcome.Status.CONFLICT, 0, Replies.text(r, 1));
    }
    return new WriteOutcome(WriteOutcome.Status.NO_CONNECTION, 0, null);
  }

}
