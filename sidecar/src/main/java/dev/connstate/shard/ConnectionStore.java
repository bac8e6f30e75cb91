package dev.connstate.shard;

import dev.connstate.model.ConnectionRecord;
import dev.connstate.model.FieldChange;
import io.vertx.core.Future;
import java.util.List;

/**
 * The shard's port to the durable store: everything a shard asks of Redis, in the shard's
 * terms. Each shard opens its own ({@link StoreFactory}); it is called only on that shard's
 * event loop and answers there.
 *
 * <p>What every implementation guarantees:
 * <ul>
 *   <li>Order: calls take effect in the order they are made, so one handle's changes are
 *       applied in the order the shard sent them (DESIGN §1), without waiting for answers.
 *   <li>One change, one atomic step: a change is applied whole or not at all, and a change to
 *       a connection the store does not hold is refused ({@link WriteOutcome.Status#NO_CONNECTION});
 *       only {@link #register} creates one.
 *   <li>Tickets: a call made with a {@link Ticket} marks it sent when the request leaves; if the
 *       ticket is {@linkplain #abandon abandoned} before that, the call fails with
 *       {@link NotSentException} and certainly changed nothing.
 *   <li>Fencing: a change this sidecar may not make, because it does not hold its owner lease
 *       (DESIGN §7), fails with {@link FencedException} and certainly changed nothing.
 *   <li>Failures: a call that fails for any other reason may or may not have been applied.
 *       A record that cannot be read fails with {@link dev.connstate.model.MalformedRecordException}.
 * </ul>
 *
 * <p>Implementations: {@code store.hash.HashStore} (the v2 schema, {@code store.schema} hash
 * and dual) and {@code store.legacy.LegacyStore} (the v1 baseline); tests use an in-memory fake.
 */
public interface ConnectionStore {

  /** Connects (retrying until the store answers); completes once calls can be served. */
  Future<Void> start();

  /** Closes for good; calls still waiting fail. */
  Future<Void> close();

  /** Runs {@code listener} each time the store is reachable again after a loss. */
  void onRestored(Runnable listener);

  /** Creates the connection unless it exists; then returns the stored one instead. */
  Future<RegisterOutcome> register(ConnectionRecord record, Ticket ticket);

  /** Binds the connection to a player, unless it is bound to another ({@code CONFLICT}). */
  Future<WriteOutcome> bind(long handle, String playerRef, long at, Ticket ticket);

  /** Unbinds the connection from its player. */
  Future<WriteOutcome> unbind(long handle, long at, Ticket ticket);

  /** Sets and removes metadata keys (a null value removes the key); {@code ticket} may be null. */
  Future<WriteOutcome> update(long handle, FieldChange change, long at, Ticket ticket);

  /** One change of {@link #updateAll}: as {@link #update}'s arguments. */
  record Update(long handle, FieldChange change, long at) {
  }

  /**
   * {@link #update} for several connections, one answer per change, in order: each is applied
   * and versioned as if made alone, in this order. A store that can carries them in one call
   * (fewer bytes and commands per change), so they also succeed or fail together; by default
   * each is its own call. {@code ticket} (may be null) stands for every call made.
   */
  default List<Future<WriteOutcome>> updateAll(List<Update> updates, Ticket ticket) {
    return updates.stream().map(u -> update(u.handle(), u.change(), u.at(), ticket)).toList();
  }

  /** Removes the connection and its index entries; {@code UNCHANGED} if it did not exist. */
  Future<WriteOutcome> disconnect(long handle, String reason, long at, Ticket ticket);

  /**
   * Removes the connection as an {@code expired} change if it still belongs to the expiry's
   * owner (and session) and, for a dead owner's, while that owner holds no lease (DESIGN §7);
   * {@code UNCHANGED} if it does not, {@code NO_CONNECTION} if it is gone. Either way the owner's
   * index no longer lists it.
   */
  Future<WriteOutcome> expire(long handle, Expiry expiry, long at, Ticket ticket);

  /**
   * Completes once what this store wrote so far for {@code handle} (and for the index entries
   * of {@code playerRef}, if not null) is held by as many replicas as {@code redis.criticalReplicas}
   * asks; fails with {@link ReplicasNotConfirmed} when fewer confirm in time. Call it after a
   * critical change was answered; at once when no replicas are asked for.
   */
  Future<Void> replicated(long handle, String playerRef, Ticket ticket);

  /** The caller stopped waiting: drop its request if it has not left yet. */
  void abandon(Ticket ticket);

  /**
   * Reads one connection (its v2 hash, else its v1 record); null when the store holds neither.
   * {@code ticket} may be null.
   */
  Future<StoredConnection> read(long handle, Ticket ticket);

  /** Reads a batch of connections, one result per handle, in the order asked. */
  Future<List<ReadResult>> readAll(List<Long> handles);

  /**
   * Converts a connection that exists only as a v1 record into a v2 hash, atomically, and only
   * if the v1 record is still exactly what was read.
   */
  Future<ConvertOutcome> convert(StoredConnection stored);

  /** Every handle the store lists as live (the active set); members that are not handles are reported and skipped. */
  Future<List<Long>> listHandles();

  /**
   * Up to {@code count} distinct handles the store lists as live (the active set), chosen at
   * random; members that are not handles are reported and skipped. For the convergence audit,
   * which looks there for connections this sidecar does not hold.
   */
  Future<List<Long>> sampleHandles(int count);

  /** Removes from the active set those of {@code handles} that point at no connection; how many it removed. */
  Future<Long> removeOrphans(List<Long> handles);

  /**
   * Every handle that has a connection record, listed or not (a scan of the keyspace, so for a
   * repair now and then, not for a hot path); empty where the store cannot scan.
   */
  Future<List<Long>> scanHandles();

  /**
   * Makes the index sets list {@code handle} again, as the store holds it at that moment (the
   * active set, the set of the player it is bound to); nothing if it holds no such connection.
   */
  Future<Void> relist(long handle);
}
