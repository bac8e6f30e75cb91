package dev.connstate.store.hash;

import dev.connstate.model.ConnectionRecord;
import dev.connstate.model.FieldChange;
import dev.connstate.model.SharpMushKeys;
import dev.connstate.model.Fields;
import dev.connstate.model.MalformedRecordException;
import dev.connstate.shard.ConnectionStore;
import dev.connstate.shard.ConvertOutcome;
import dev.connstate.shard.Expiry;
import dev.connstate.shard.FencedException;
import dev.connstate.shard.OwnerNotLeasedException;
import dev.connstate.shard.ReadResult;
import dev.connstate.shard.RegisterOutcome;
import dev.connstate.shard.StoredConnection;
import dev.connstate.shard.Ticket;
import dev.connstate.shard.WriteOutcome;
import dev.connstate.store.ActiveSet;
import dev.connstate.store.ClusterScan;
import dev.connstate.store.Fence;
import dev.connstate.store.ManagedConnection;
import dev.connstate.store.RedisKeys;
import dev.connstate.store.ReplicaAcks;
import dev.connstate.store.ScriptCaller;
import dev.connstate.store.ScriptCodes;
import dev.connstate.store.Scripts;
import dev.connstate.store.legacy.LegacyJson;
import io.vertx.core.Future;
import io.vertx.core.json.Json;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The v2 store (DESIGN §4): one shard's access to the connection hashes, on the shard's own
 * pipelined connection. Every change is one atomic call of the {@code apply.lua} script (as a
 * Redis Function, or by SHA); outside Redis Cluster, write-behind changes of several handles
 * may share one call ({@link #updateAll}), each written exactly as if alone.
 * With {@code dual} ({@code store.schema = dual}) the script also keeps each connection's v1
 * record current, for v1 readers during a rolling upgrade.
 *
 * <p>The schema, as the writes the script makes for handle 42 with the default prefix and
 * instance id {@code connsrv-1} (the reads it makes, EXISTS and HGET to decide and, in dual
 * mode, HGETALL to render the v1 record, are left out; {@code …} stands for any text,
 * {@code (dual)} marks writes only dual mode makes, {@code (bound)} those made only when the
 * connection is bound to a player, {@code (last)} those made only when it was its owner's last
 * connection). {@code HashStoreSchemaIT} records what a real Redis runs and holds it to this
 * list, in order and count (the timestamps are examples). With owner leases on (DESIGN §7, the
 * default) every change first reads {@code sharpmush:lease:{connsrv-1}} and is refused, writing
 * nothing, unless it holds the sender's epoch; an owner index is kept per owner:
 * <pre>
 * register:   HSET sharpmush:conn:{42} handle 42 version 1 lastSeen 1770999357123 state Connected ipAddress 203.0.113.5:50122 hostname 203.0.113.5:50122 connectionType telnet owner connsrv-1 …connectedAt 1770999357123 meta:ConnectionStartTime 1770999357123 …
 *             PEXPIRE sharpmush:conn:{42} 86400000
 *             SADD sharpmush:conn:active 42
 *             SADD sharpmush:owners connsrv-1
 *             SADD sharpmush:owner:{connsrv-1} 42
 *             SET sharpmush:conn:42 {"Handle":42,…} PX 86400000 (dual)
 *             PUBLISH sharpmush:conn:events {"type":"registered","handle":42,"version":1,"changes":{"state":"Connected",…},"origin":"connsrv-1","at":1770999357123}
 * bind:       HSET sharpmush:conn:{42} lastSeen 1770999399000 state LoggedIn playerRef #5:1700000000000
 *             HINCRBY sharpmush:conn:{42} version 1
 *             PEXPIRE sharpmush:conn:{42} 86400000
 *             SET sharpmush:conn:42 {"Handle":42,…} PX 86400000 (dual)
 *             SADD sharpmush:player:{#5:1700000000000} 42
 *             PUBLISH sharpmush:conn:events {"type":"bound","handle":42,"version":2,"changes":{"state":"LoggedIn","playerRef":"#5:1700000000000"},"origin":"connsrv-1","at":1770999399000}
 * update:     HSET sharpmush:conn:{42} lastSeen 1770999400000 meta:WIDTH 120
 *             HDEL sharpmush:conn:{42} meta:GMCP
 *             HINCRBY sharpmush:conn:{42} version 1
 *             PEXPIRE sharpmush:conn:{42} 86400000
 *             SET sharpmush:conn:42 {"Handle":42,…} PX 86400000 (dual)
 *             PUBLISH sharpmush:conn:events {"type":"updated","handle":42,"version":3,"changes":{"metadata":{"WIDTH":"120","GMCP":null}},"origin":"connsrv-1","at":1770999400000}
 * touch:      HSET sharpmush:conn:{42} lastSeen 1770999401000 meta:LastConnectionSignal 1770999401000
 *             HINCRBY sharpmush:conn:{42} version 1
 *             PEXPIRE sharpmush:conn:{42} 86400000
 *             SET sharpmush:conn:42 {"Handle":42,…} PX 86400000 (dual)
 *             PUBLISH sharpmush:conn:events {"type":"updated","handle":42,"version":4,"changes":{"metadata":{"LastConnectionSignal":"1770999401000"}},"origin":"connsrv-1","at":1770999401000}
 * unbind:     HSET sharpmush:conn:{42} lastSeen 1770999402000 state Connected
 *             HDEL sharpmush:conn:{42} playerRef
 *             HINCRBY sharpmush:conn:{42} version 1
 *             PEXPIRE sharpmush:conn:{42} 86400000
 *             SET sharpmush:conn:42 {"Handle":42,…} PX 86400000 (dual)
 *             SREM sharpmush:player:{#5:1700000000000} 42
 *             PUBLISH sharpmush:conn:events {"type":"unbound","handle":42,"version":5,"changes":{"state":"Connected","playerRef":null},"origin":"connsrv-1","at":1770999402000}
 * disconnect: DEL sharpmush:conn:{42}
 *             DEL sharpmush:conn:42
 *             SREM sharpmush:conn:active 42
 *             SREM sharpmush:player:{#5:1700000000000} 42 (bound)
 *             SREM sharpmush:owner:{connsrv-1} 42
 *             SREM sharpmush:owners connsrv-1 (last)
 *             PUBLISH sharpmush:conn:events {"type":"disconnected","handle":42,"version":…,"changes":{"reason":"quit"},"origin":"connsrv-1","at":1770999403000}
 * expire:     DEL sharpmush:conn:{42}
 *             DEL sharpmush:conn:42
 *             SREM sharpmush:conn:active 42
 *             SREM sharpmush:player:{#5:1700000000000} 42 (bound)
 *             SREM sharpmush:owner:{connsrv-1} 42
 *             SREM sharpmush:owners connsrv-1 (last)
 *             PUBLISH sharpmush:conn:events {"type":"expired","handle":42,"version":…,"changes":{"reason":"session ended"},"origin":"connsrv-1","at":…}
 * </pre>
 * An expiry (DESIGN §7: a dead owner's connection, reason {@code owner lease expired}, or a
 * client session's, reason {@code session ended}) removes the connection only if it still has
 * that owner (and session) and, for a dead owner's, only while the owner's lease is gone;
 * otherwise it only drops the connection from that owner's index. A register that names as
 * owner another sidecar holding no lease is refused and writes nothing.
 * The v1 key is deleted on disconnect in every mode outside Redis Cluster, so that a v1 record
 * left from before a conversion cannot bring the connection back. Changes to a missing hash
 * are refused ({@link WriteOutcome.Status#NO_CONNECTION}): only register creates a connection.
 * In Redis Cluster mode the index sets live in other slots, so the SADD/SREM lines on
 * {@code conn:active} and {@code player:{…}} are sent by the sidecar as separate commands
 * right after the script, and there are no v1 keys.
 *
 * <p>Two rules the list above does not show. {@code lastSeen} is the later of the stored time
 * and the change's (the script reads it first), and the event's {@code at} is that time. A
 * critical change that finds its connection already in the state it asks for (a retry of an
 * attempt whose answer was lost: register of an existing connection, bind of the player already
 * bound, unbind of an unbound connection, disconnect of a gone one) writes the index entries
 * again: {@code SADD …conn:active 42} and {@code SADD …player:{ref} 42} (or {@code SREM
 * …conn:active 42} for the disconnect), so that index sets lost with an unanswered attempt
 * are repaired by the retry. In Redis Cluster, where a disconnect's index writes follow the
 * script, an unbind or disconnect leaves {@code SET sharpmush:conn:{42}:gone <player> PX 300000}
 * behind, so that a retry still knows which player set to clean.
 */
public final class HashStore implements ConnectionStore {
  private static final String TEMPLATE = Scripts.lua("legacy_json.lua") + "\n" + Scripts.lua("apply.lua");
  private static final String CONVERT = Scripts.lua("convert.lua");
  private static final String READ = Scripts.fill(Scripts.lua("read.lua"), Map.of(), Map.of("FIXED_FIELDS",
      Fields.FIXED.stream().map(f -> "'" + f + "'").collect(java.util.stream.Collectors.joining(", ", "{ ", " }"))));
  private static final String OP_REGISTER = "r";
  private static final String OP_BIND = "b";
  private static final String OP_UNBIND = "u";
  private static final String OP_METADATA = "m";
  /** A metadata update whose LastConnectionSignal is the change's own time: the script sets it. */
  private static final String OP_TOUCH = "t";
  private static final String LAST_SIGNAL_FIELD = Fields.meta(SharpMushKeys.LAST_CONNECTION_SIGNAL);
  private static final String OP_DISCONNECT = "d";
  private static final String OP_EXPIRE = "x";
  /** Changes per batch call at most: one call must not keep Redis from everything else for long. */
  private static final int MAX_BATCH = 128;

  /**
   * How this store writes.
   *
   * @param origin this sidecar's instance id, the {@code origin} of its events
   * @param ttlMs expiry of a connection hash without writes ({@code connectionTtlMs})
   * @param cluster Redis Cluster: index sets are written outside the script, batches may not
   *     span slots, and there are no v1 keys to fall back to (v1 never ran on a cluster)
   * @param dual keep each connection's v1 key current too ({@code store.schema = dual})
   * @param criticalReplicas replicas that must confirm a critical change ({@code WAIT}); 0: none
   * @param replicaAckTimeoutMs how long one {@code WAIT} may take
   * @param maxMetadataKeys {@code limits.maxMetadataKeys}: a hash far past it is not read whole
   * @param maxMetadataBytes {@code limits.maxMetadataBytes}: likewise
   * @param leases owner leases are on (DESIGN §7): changes carry the epoch, and the owner index
   *     is kept
   */
  public record Options(String origin, long ttlMs, boolean cluster, boolean dual, int criticalReplicas,
                        long replicaAckTimeoutMs, int maxMetadataKeys, int maxMetadataBytes, boolean leases) {
    /** The script checks the sender's lease and keeps the owner index (one slot: not in Redis Cluster). */
    boolean leasesInScript() {
      return leases && !cluster;
    }

    /** Hashes with more fields than this are read without their metadata. */
    int readableFields() {
      return Fields.FIXED.size() + 2 * maxMetadataKeys;
    }

    /** Hashes larger than this (as MEMORY USAGE counts) are read without their metadata. */
    long readableBytes() {
      return 2L * maxMetadataBytes + 64 * 1024;
    }
  }

  private final ManagedConnection connection;
  private final ScriptCaller script;
  private final ScriptCaller convert;
  private final ScriptCaller reader;
  private final RedisKeys keys;
  private final Options options;
  private final ActiveSet active;
  private final ReplicaAcks replicaAcks;
  private final ClusterScan clusterScan;
  private final Fence fence;

  /**
   * @param clusterScan how to scan the keyspace in Redis Cluster; null outside it
   * @param fence the epoch each change carries ({@link Fence#NONE} without leases)
   */
  public HashStore(ManagedConnection connection, RedisKeys keys, Options options, ActiveSet active,
                   ClusterScan clusterScan, Fence fence, int shard) {
    this.connection = connection;
    this.fence = fence;
    this.clusterScan = clusterScan;
    this.keys = keys;
    this.options = options;
    this.active = active;
    this.replicaAcks = new ReplicaAcks(connection::send, options.criticalReplicas(), options.replicaAckTimeoutMs());
    // outside Redis Cluster (where each master would need the function loaded) as a Redis Function
    String source = scriptSource(keys, options, shard);
    this.script = options.cluster() ? new ScriptCaller(connection, source)
        : ScriptCaller.preferringFunction(connection, source, library(keys, options, shard));
    this.convert = new ScriptCaller(connection, "-- shard " + shard + "\n" + CONVERT);
    this.reader = new ScriptCaller(connection, "-- shard " + shard + "\n" + READ);
    connection.onConnected(script::load);
    connection.onConnected(convert::load);
    connection.onConnected(reader::load);
  }

  /**
   * The function library of this sidecar's shard: one per key prefix, instance id and shard, so
   * that its {@code FUNCTION LOAD REPLACE} only ever replaces its own earlier version.
   */
  static String library(RedisKeys keys, Options options, int shard) {
    return "connstate_" + Scripts.sha1(keys.active() + "\n" + options.origin()).substring(0, 12)
        + "_" + shard;
  }

  /** The change script as this shard runs it: the template with its constants filled in. */
  static String scriptSource(RedisKeys keys, Options options, int shard) {
    Map<String, String> strings = keys.luaConstants();
    strings.put("ORIGIN", options.origin());
    strings.put("ORIGIN_JSON", Json.encode(options.origin()));
    strings.put("OWN_LEASE", keys.lease(options.origin()));
    strings.put("LAST_SIGNAL", SharpMushKeys.LAST_CONNECTION_SIGNAL);
    return Scripts.fill(TEMPLATE, strings, Map.of(
        "TTL", Long.toString(options.ttlMs()),
        "INDEX", Boolean.toString(!options.cluster()),
        "LEGACY", Boolean.toString(!options.cluster()),
        "DUAL", Boolean.toString(options.dual()),
        "LEASES", Boolean.toString(options.leasesInScript()),
        "OWNERS", Boolean.toString(options.leasesInScript()),
        "SHARD", Integer.toString(shard)));
  }

  @Override
  public Future<Void> start() {
    return connection.start();
  }

  @Override
  public Future<Void> close() {
    return connection.close();
  }

  @Override
  public void onRestored(Runnable listener) {
    connection.onRestored(listener);
  }

  @Override
  public Future<RegisterOutcome> register(ConnectionRecord record, Ticket ticket) {
    long handle = record.handle();
    return ownerLeased(record.owner()).compose(v -> change(handle, OP_REGISTER, record.lastSeen(),
        record.registerFields(), null, ticket)).compose(r -> {
      long code = Replies.number(r, 0);
      if (code == ScriptCodes.OWNER_UNLEASED) {
        return Future.failedFuture(new OwnerNotLeasedException(record.owner(), keys.lease(record.owner())));
      }
      if (code == ScriptCodes.APPLIED) {
        return index(Command.SADD, keys.active(), handle)
            .compose(v -> listOwner(record.owner(), handle))
            .map(v -> new RegisterOutcome(true, null, false));
      }
      if (code == ScriptCodes.EXISTS_AS_V1) {
        return Future.succeededFuture(new RegisterOutcome(false, null, true));
      }
      ConnectionRecord existing = ConnectionRecord.fromHash(handle, Replies.hash(r.get(1)));
      // an earlier attempt may have stored the hash and lost its entry in the active set (its
      // player entry, in Redis Cluster, is left to the bind's own retry: the player read here
      // may be unbound by another sidecar before this write lands)
      return reindex(handle, null).compose(v -> listOwner(existing.owner(), handle))
          .map(v -> new RegisterOutcome(false, existing, false));
    });
  }

  @Override
  public Future<WriteOutcome> bind(long handle, String playerRef, long at, Ticket ticket) {
    return change(handle, OP_BIND, at, List.of(playerRef), null, ticket)
        .map(HashStore::outcome)
        .compose(o -> o.status() == WriteOutcome.Status.APPLIED ? index(Command.SADD, keys.player(playerRef), handle).map(o)
            : o.status() == WriteOutcome.Status.UNCHANGED ? reindex(handle, playerRef).map(o)
            : Future.succeededFuture(o));
  }

  @Override
  public Future<WriteOutcome> unbind(long handle, long at, Ticket ticket) {
    return change(handle, OP_UNBIND, at, List.of(), null, ticket)
        .map(HashStore::outcome)
        .compose(o -> o.status() == WriteOutcome.Status.APPLIED ? index(Command.SREM, keys.player(o.boundRef()), handle).map(o)
            : o.status() == WriteOutcome.Status.UNCHANGED ? reindex(handle, null).compose(v -> o.boundRef() == null
                ? Future.succeededFuture(o) : index(Command.SREM, keys.player(o.boundRef()), handle).map(o))
            : Future.succeededFuture(o));
  }

  @Override
  public Future<WriteOutcome> update(long handle, FieldChange change, long at, Ticket ticket) {
    List<String> args = new ArrayList<>();
    String op = metadataArgs(change, at, args);
    return change(handle, op, at, args, null, ticket).map(HashStore::outcome);
  }

  /**
   * Outside Redis Cluster, one script call for all of them (at most {@link #MAX_BATCH} a call):
   * per change its key, its op with its time as an offset from the batch's earliest and its
   * metadata arguments (apply.lua's batch form). In Redis Cluster their keys are in different
   * slots: one call each.
   */
  @Override
  public List<Future<WriteOutcome>> updateAll(List<Update> updates, Ticket ticket) {
    if (options.cluster() || updates.size() == 1) {
      return ConnectionStore.super.updateAll(updates, ticket);
    }
    List<Future<WriteOutcome>> outcomes = new ArrayList<>(updates.size());
    for (int from = 0; from < updates.size(); from += MAX_BATCH) {
      List<Update> batch = updates.subList(from, Math.min(updates.size(), from + MAX_BATCH));
      Future<List<WriteOutcome>> call = batch.size() == 1
          ? update(batch.get(0).handle(), batch.get(0).change(), batch.get(0).at(), ticket).map(List::of)
          : updateBatch(batch, ticket);
      for (int i = 0; i < batch.size(); i++) {
        int index = i;
        outcomes.add(call.map(list -> list.get(index)));
      }
    }
    return outcomes;
  }

  private Future<List<WriteOutcome>> updateBatch(List<Update> batch, Ticket ticket) {
    long base = Long.MAX_VALUE;
    for (Update update : batch) {
      base = Math.min(base, update.at());
    }
    List<String> keysOf = new ArrayList<>(batch.size());
    List<String> args = new ArrayList<>(1 + 2 * batch.size());
    args.add(null); // "*<base>:<epoch>", once the epoch is known
    List<String> rest = new ArrayList<>();
    for (Update update : batch) {
      keysOf.add(keys.connection(update.handle()));
      rest.clear();
      String op = metadataArgs(update.change(), update.at(), rest);
      long offset = update.at() - base;
      args.add(rest.isEmpty() ? op + offset : op + offset + ":" + rest.size());
      args.addAll(rest);
    }
    long first = base;
    return fenced(epoch -> {
      args.set(0, "*" + first + ":" + epoch);
      return script.call(keysOf, args, ticket);
    }).map(r -> {
      List<WriteOutcome> out = new ArrayList<>(batch.size());
      for (int i = 0; i < batch.size(); i++) {
        out.add(Replies.number(r, 2 * i) == ScriptCodes.APPLIED
            ? new WriteOutcome(WriteOutcome.Status.APPLIED, Replies.number(r, 2 * i + 1), null)
            : WriteOutcome.NO_CONNECTION);
      }
      return out;
    });
  }

  /**
   * The script's arguments for a metadata change (added to {@code args}: n, keys and values,
   * removed keys; none for a bare touch) and its op: {@code t} when it sets
   * {@code LastConnectionSignal} to the change's own time, which the script derives (DESIGN §4:
   * not sent twice), else {@code m}.
   */
  private static String metadataArgs(FieldChange change, long at, List<String> args) {
    List<String> sets = new ArrayList<>();
    List<String> removals = new ArrayList<>();
    String time = Long.toString(at);
    boolean touch = false;
    for (Map.Entry<String, String> entry : change.fields().entrySet()) {
      String field = entry.getKey();
      String value = entry.getValue();
      if (value == null) {
        removals.add(Fields.metaKey(field));
      } else if (field.equals(LAST_SIGNAL_FIELD) && value.equals(time)) {
        touch = true;
      } else {
        sets.add(Fields.metaKey(field));
        sets.add(value);
      }
    }
    if (!touch || !sets.isEmpty() || !removals.isEmpty()) {
      args.add(Integer.toString(sets.size() / 2));
      args.addAll(sets);
      args.addAll(removals);
    }
    return touch ? OP_TOUCH : OP_METADATA;
  }

  @Override
  public Future<WriteOutcome> disconnect(long handle, String reason, long at, Ticket ticket) {
    return change(handle, OP_DISCONNECT, at, reason == null ? List.of() : List.of(reason), null, ticket)
        .compose(r -> removed(handle, r));
  }

  @Override
  public Future<WriteOutcome> expire(long handle, Expiry expiry, long at, Ticket ticket) {
    List<String> args = List.of(expiry.owner(), expiry.session() == null ? "" : expiry.session(), expiry.reason());
    String ownerLease = expiry.ownerGone() && options.leasesInScript() ? keys.lease(expiry.owner()) : null;
    return change(handle, OP_EXPIRE, at, args, ownerLease, ticket).compose(r -> {
      long code = Replies.number(r, 0);
      if (code == ScriptCodes.APPLIED) {
        return removed(handle, r);
      }
      // Redis Cluster: the script could not drop the entry from the owner's index
      WriteOutcome outcome = outcome(r);
      return unlistOwner(expiry.owner(), handle).map(outcome);
    });
  }

  /**
   * A disconnect's or an expiry's outcome. In Redis Cluster the index entries the script could
   * not remove are removed here; a repeat (UNCHANGED) removes them too, in case an earlier
   * attempt removed the hash and not them (its player comes back from the tombstone).
   */
  private Future<WriteOutcome> removed(long handle, Response reply) {
    WriteOutcome o = outcome(reply);
    if (o.status() == WriteOutcome.Status.UNCHANGED) {
      Future<Void> unlisted = index(Command.SREM, keys.active(), handle);
      return o.boundRef() == null ? unlisted.map(o)
          : unlisted.compose(v -> index(Command.SREM, keys.player(o.boundRef()), handle)).map(o);
    }
    if (o.status() != WriteOutcome.Status.APPLIED || !options.cluster()) {
      return Future.succeededFuture(o);
    }
    String owner = Replies.text(reply, 3);
    Future<Void> removed = index(Command.SREM, keys.active(), handle)
        .compose(v -> owner == null ? Future.<Void>succeededFuture() : unlistOwner(owner, handle));
    return o.boundRef() == null ? removed.map(o)
        : removed.compose(v -> index(Command.SREM, keys.player(o.boundRef()), handle)).map(o);
  }

  /**
   * Calls the change script for one handle: op, time and this sidecar's epoch first. Refused
   * without sending if this sidecar holds no lease; failed with {@link FencedException} if Redis
   * refused it for its epoch.
   *
   * @param ownerLease a dead owner's lease, for an expiry; null otherwise
   */
  private Future<Response> change(long handle, String op, long at, List<String> rest, String ownerLease,
                                  Ticket ticket) {
    List<String> scriptKeys = ownerLease == null ? List.of(keys.connection(handle))
        : List.of(keys.connection(handle), ownerLease);
    return fenced(epoch -> {
      List<String> args = new ArrayList<>(1 + rest.size());
      // op, time and epoch as one argument: the script unpacks them (apply.lua's header)
      args.add(op + at + ":" + epoch);
      args.addAll(rest);
      return script.call(scriptKeys, args, ticket);
    });
  }

  /**
   * Makes a change call with this sidecar's lease epoch, which the script checks: fails without
   * sending it if no lease is held, and when Redis refused the epoch (lease lapsed or taken).
   */
  private Future<Response> fenced(java.util.function.Function<String, Future<Response>> call) {
    String epoch = fence.epochForChange();
    if (epoch == null) {
      return Future.failedFuture(new FencedException("this sidecar does not hold its owner lease (DESIGN §7): "
          + "the change was not sent"));
    }
    return call.apply(epoch).compose(r -> {
      if (Replies.number(r, 0) != ScriptCodes.FENCED) {
        return Future.succeededFuture(r);
      }
      String held = Replies.text(r, 1);
      fence.refused(epoch, held);
      return Future.failedFuture(new FencedException("Redis refused the change: this sidecar's lease "
          + (held == null ? "lapsed" : "holds epoch " + held + ", taken by another process with its instance id")
          + " (this change carried epoch " + epoch + ")"));
    });
  }

  /**
   * Outside Redis Cluster one WAIT on the shard's connection covers everything (shared by the
   * changes that ask meanwhile). In Redis Cluster each node counts its own writes: a WAIT goes to
   * the node of the connection's hash and to those of the index sets the change wrote, each
   * behind a read of a key there, which is what routes it to that node's connection.
   */
  @Override
  public Future<Void> replicated(long handle, String playerRef, Ticket ticket) {
    if (options.criticalReplicas() == 0) {
      return Future.succeededFuture();
    }
    if (!options.cluster()) {
      return replicaAcks.confirm();
    }
    List<String> nodesOf = new ArrayList<>(List.of(keys.connection(handle), keys.active()));
    if (playerRef != null) {
      nodesOf.add(keys.player(playerRef));
    }
    List<Future<Void>> confirmed = new ArrayList<>();
    for (String key : nodesOf) {
      confirmed.add(connection.batch(List.of(Request.cmd(Command.EXISTS).arg(key),
              ReplicaAcks.waitFor(options.criticalReplicas(), options.replicaAckTimeoutMs())))
          .compose(replies -> ReplicaAcks.check(replies.get(1), options.criticalReplicas(),
              options.replicaAckTimeoutMs())));
    }
    return Future.all(confirmed).mapEmpty();
  }

  @Override
  public void abandon(Ticket ticket) {
    ticket.abandon();
    connection.abandoned();
  }

  @Override
  public Future<StoredConnection> read(long handle, Ticket ticket) {
    Future<Response> hash = reader.call(List.of(keys.connection(handle)), readLimits(), ticket).map(r -> r.get(0));
    // sent right behind the read, so both answers come in one round trip
    Future<Response> legacy = options.cluster() ? Future.succeededFuture()
        : connection.send(Request.cmd(Command.GET).arg(keys.legacyConnection(handle)), ticket);
    return Future.all(hash, legacy).map(both -> stored(handle, hash.result(), legacy.result()));
  }

  /**
   * One call of {@code read.lua} for the batch (each handle on its own outside one slot, in
   * Redis Cluster), which reads each hash whole only if it is small enough to hold safely; then,
   * for the handles without a hash, GETs of their v1 records.
   */
  @Override
  public Future<List<ReadResult>> readAll(List<Long> handles) {
    return readHashes(handles).compose(hashes -> {
      List<Integer> missing = new ArrayList<>();
      List<Request> gets = new ArrayList<>();
      for (int i = 0; i < handles.size(); i++) {
        if (!options.cluster() && Replies.isEmpty(hashes.get(i))) {
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
        List<ReadResult> out = new ArrayList<>(handles.size());
        for (int i = 0; i < handles.size(); i++) {
          out.add(result(handles.get(i), hashes.get(i), legacyByIndex[i]));
        }
        return out;
      });
    });
  }

  private static ReadResult result(long handle, Response hash, Response legacy) {
    try {
      return ReadResult.found(stored(handle, hash, legacy));
    } catch (MalformedRecordException e) {
      return ReadResult.malformed(e);
    } catch (IllegalArgumentException e) {
      return ReadResult.malformed(new MalformedRecordException("handle " + handle + ": " + e.getMessage()));
    }
  }

  private static StoredConnection stored(long handle, Response hashReply, Response legacyReply) {
    if (hashReply != null && hashReply.type() == ResponseType.MULTI && hashReply.size() > 0
        && hashReply.get(0).type() == ResponseType.NUMBER
        && hashReply.get(0).toLong() == ScriptCodes.OVERSIZED) {
      Map<String, String> fixed = new HashMap<>();
      for (int i = 3; i + 1 < hashReply.size(); i += 2) {
        fixed.put(hashReply.get(i).toString(), hashReply.get(i + 1).toString());
      }
      return new StoredConnection(ConnectionRecord.fromHash(handle, fixed), null, true);
    }
    Map<String, String> hash = hashReply != null && hashReply.type() == ResponseType.BULK
        ? Replies.packedHash(hashReply) : Replies.hash(hashReply);
    if (!hash.isEmpty()) {
      return new StoredConnection(ConnectionRecord.fromHash(handle, hash), null);
    }
    if (legacyReply == null) {
      return null;
    }
    String json = legacyReply.toString();
    return new StoredConnection(LegacyJson.parse(handle, json), json);
  }

  /** Publishes no event: the connection did not change. */
  @Override
  public Future<ConvertOutcome> convert(StoredConnection stored) {
    ConnectionRecord record = stored.record();
    long handle = record.handle();
    List<String> args = new ArrayList<>();
    args.add(stored.legacyJson());
    args.add(Long.toString(options.ttlMs()));
    args.add(Long.toString(handle));
    args.addAll(List.of(Fields.HANDLE, Long.toString(handle), Fields.VERSION, Long.toString(record.version()),
        Fields.LAST_SEEN, Long.toString(record.lastSeen())));
    args.addAll(record.registerFields());
    return convert.call(List.of(keys.connection(handle), keys.legacyConnection(handle), keys.active()), args, null)
        .map(r -> {
          long code = r.toLong();
          return code == ScriptCodes.CONVERTED ? ConvertOutcome.CONVERTED
              : code == ScriptCodes.ALREADY_CONVERTED ? ConvertOutcome.ALREADY : ConvertOutcome.CHANGED;
        });
  }

  @Override
  public Future<List<Long>> listHandles() {
    return active.handles();
  }

  @Override
  public Future<List<Long>> sampleHandles(int count) {
    return active.sample(count);
  }

  @Override
  public Future<Long> removeOrphans(List<Long> handles) {
    return active.removeOrphans(handles);
  }

  /** In Redis Cluster every master is scanned in turn ({@link ClusterScan}). */
  @Override
  public Future<List<Long>> scanHandles() {
    return clusterScan != null ? clusterScan.hashes(keys) : active.scanHashes();
  }

  @Override
  public Future<Void> relist(long handle) {
    return active.relist(handle);
  }

  private List<String> readLimits() {
    return List.of(Integer.toString(options.readableFields()), Long.toString(options.readableBytes()));
  }

  private Future<List<Response>> readHashes(List<Long> handles) {
    if (!options.cluster()) {
      List<String> hashKeys = new ArrayList<>(handles.size());
      handles.forEach(h -> hashKeys.add(keys.connection(h)));
      return reader.call(hashKeys, readLimits(), null).map(reply -> {
        List<Response> out = new ArrayList<>(reply.size());
        reply.forEach(out::add);
        return out;
      });
    }
    List<Future<Response>> replies = new ArrayList<>(handles.size());
    handles.forEach(h -> replies.add(reader.call(List.of(keys.connection(h)), readLimits(), null).map(r -> r.get(0))));
    return Future.all(replies).map(all -> {
      List<Response> out = new ArrayList<>(replies.size());
      replies.forEach(f -> out.add(f.result()));
      return out;
    });
  }

  /** Redis Cluster: puts an existing connection back in the index sets (the script does it elsewhere). */
  private Future<Void> reindex(long handle, String playerRef) {
    Future<Void> active = index(Command.SADD, keys.active(), handle);
    return playerRef == null ? active : active.compose(v -> index(Command.SADD, keys.player(playerRef), handle));
  }

  /**
   * Redis Cluster with leases: another sidecar named as owner must hold its lease (outside Redis
   * Cluster the script checks it, atomically; here the lease lives in another slot).
   */
  private Future<Void> ownerLeased(String owner) {
    if (!options.cluster() || !options.leases() || owner == null || owner.equals(options.origin())) {
      return Future.succeededFuture();
    }
    return connection.send(Request.cmd(Command.EXISTS).arg(keys.lease(owner))).compose(r -> r.toLong() == 1
        ? Future.succeededFuture() : Future.failedFuture(new OwnerNotLeasedException(owner, keys.lease(owner))));
  }

  /** Redis Cluster with leases: lists the connection in its owner's index (the script does it elsewhere). */
  private Future<Void> listOwner(String owner, long handle) {
    if (!options.cluster() || !options.leases() || owner == null) {
      return Future.succeededFuture();
    }
    return connection.send(Request.cmd(Command.SADD).arg(keys.owners()).arg(owner))
        .compose(r -> connection.send(Request.cmd(Command.SADD).arg(keys.owner(owner)).arg(handle))).mapEmpty();
  }

  /** Redis Cluster with leases: drops the connection from its owner's index. */
  private Future<Void> unlistOwner(String owner, long handle) {
    if (!options.cluster() || !options.leases()) {
      return Future.succeededFuture();
    }
    return connection.send(Request.cmd(Command.SREM).arg(keys.owner(owner)).arg(handle)).mapEmpty();
  }

  private Future<Void> index(Command command, String set, long handle) {
    if (!options.cluster()) {
      return Future.succeededFuture();
    }
    return connection.send(Request.cmd(command).arg(set).arg(handle)).mapEmpty();
  }

  private static WriteOutcome outcome(Response r) {
    long code = Replies.number(r, 0);
    if (code == ScriptCodes.APPLIED) {
      return new WriteOutcome(WriteOutcome.Status.APPLIED, Replies.number(r, 1), Replies.text(r, 2));
    }
    if (code == ScriptCodes.UNCHANGED) {
      return new WriteOutcome(WriteOutcome.Status.UNCHANGED, Replies.number(r, 1), Replies.text(r, 2));
    }
    if (code == ScriptCodes.CONFLICT) {
      return new WriteOutcome(WriteOutcome.Status.CONFLICT, 0, Replies.text(r, 1));
    }
    return WriteOutcome.NO_CONNECTION;
  }
}
