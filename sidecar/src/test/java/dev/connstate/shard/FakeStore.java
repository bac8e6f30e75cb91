package dev.connstate.shard;

import dev.connstate.model.ChangeEvent;
import dev.connstate.model.ConnectionRecord;
import dev.connstate.model.ConnectionState;
import dev.connstate.model.FieldChange;
import dev.connstate.model.Fields;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VertxException;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * An in-memory {@link ConnectionStore} with the v2 store's semantics (versions, refusals,
 * change events with this sidecar's origin) and the controls a test of the per-handle logic
 * needs: hold answers, take the connection down (requests wait unsent), fail the next
 * requests, hold events or deliver them before the answer, and change a connection as
 * another sidecar would. Requests are applied and answered in the order they were made, on the
 * shard's context, as a pipelined Redis connection answers them. Thread-safe: the test's
 * thread controls it while the shard calls it.
 */
final class FakeStore implements ConnectionStore {
  private final String origin;
  private final Map<Long, ConnectionRecord> records = new TreeMap<>();
  private final List<String> sent = new ArrayList<>();
  private final ArrayDeque<Call<?>> unsent = new ArrayDeque<>();
  private final ArrayDeque<Call<?>> unanswered = new ArrayDeque<>();
  private final ArrayDeque<ChangeEvent> heldEvents = new ArrayDeque<>();
  private final List<Runnable> restoredListeners = new ArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private Context context;
  private Consumer<ChangeEvent> events = e -> { };
  private boolean down;
  private boolean holding;
  private boolean holdingEvents;
  private boolean losingEvents;
  private boolean eventsFirst;
  private int failures;
  private boolean replicasMissing;
  private boolean readsSeeSendTime;
  private boolean fenced;

  private record Call<T>(String what, Ticket ticket, Supplier<Outcome<T>> apply, Promise<T> promise) {
  }

  /** What applying a request gives: its answer and the events it publishes. */
  private record Outcome<T>(T answer, List<ChangeEvent> events) {
  }

  private record Waiter(int count, Promise<Void> promise) {
  }

  FakeStore(String origin) {
    this.origin = origin;
  }

  /** The factory a {@link ShardEnvironment} takes: every shard gets this one store. */
  StoreFactory factory() {
    return (vertx, shard) -> {
      synchronized (this) {
        context = vertx.getOrCreateContext();
      }
      return this;
    };
  }

  /** Where change events go (a shard's {@code apply}). */
  synchronized void publishTo(Consumer<ChangeEvent> sink) {
    events = sink;
  }

  // ---- controls

  /** Requests are sent but not answered until {@link #release}. */
  synchronized void hold() {
    holding = true;
  }

  /** Answers every held request, in order, and answers from now on. */
  synchronized void release() {
    holding = false;
    while (!unanswered.isEmpty()) {
      answerSoon(unanswered.poll());
    }
  }

  /** The connection is down: requests wait unsent, in order. */
  synchronized void down() {
    down = true;
  }

  /** The connection is back: waiting requests leave in order (abandoned ones never), then the restored listeners run. */
  synchronized void up() {
    down = false;
    while (!unsent.isEmpty()) {
      send(unsent.poll());
    }
    context.runOnContext(v -> restoredListeners.forEach(Runnable::run));
  }

  /** The next {@code n} requests fail as a lost connection would fail them: not applied. */
  synchronized void failNext(int n) {
    failures = n;
  }

  /** Changes are refused as the change script refuses a sidecar whose lease lapsed, until {@link #unfence}. */
  synchronized void fence() {
    fenced = true;
  }

  synchronized void unfence() {
    fenced = false;
  }

  /** Replicas no longer confirm critical changes (as Redis WAIT answering 0 of 1). */
  synchronized void replicasMissing() {
    replicasMissing = true;
  }

  /** Events wait until {@link #releaseEvents}. */
  synchronized void holdEvents() {
    holdingEvents = true;
  }

  synchronized void releaseEvents() {
    holdingEvents = false;
    while (!heldEvents.isEmpty()) {
      deliver(heldEvents.poll());
    }
  }

  /** The event subscription is down: events published from now on are lost, as a lost subscription loses them. */
  synchronized void subscriptionDown() {
    losingEvents = true;
  }

  /** The event subscription is back: events published from now on are delivered (the lost ones never). */
  synchronized void subscriptionUp() {
    losingEvents = false;
  }

  /** Another sidecar disconnects {@code handle}: removed now, its event published with origin "elsewhere". */
  synchronized void disconnectElsewhere(long handle, long at) {
    ConnectionRecord record = records.remove(handle);
    publish(event("disconnected", handle, record.version() + 1, new JsonObject(), "elsewhere", at));
  }

  /** Each request's events are delivered before its answer (they travel on another connection). */
  synchronized void eventsBeforeAnswers() {
    eventsFirst = true;
  }

  /** Stores a connection directly, as another sidecar did without this one hearing of it. */
  synchronized void put(ConnectionRecord record) {
    records.put(record.handle(), record.copy());
  }

  /** Another sidecar changes metadata of {@code handle}: applied now, its event published with origin "elsewhere". */
  synchronized void updateElsewhere(long handle, String key, String value, long at) {
    ConnectionRecord record = records.get(handle);
    FieldChange change = FieldChange.empty().metadata(key, value);
    record.apply(change, at);
    record.version(record.version() + 1);
    publish(event("updated", handle, record.version(), new JsonObject().put(Fields.METADATA,
        new JsonObject().put(key, value)), "elsewhere", at));
  }

  /** The connection is gone from the store with no event (its hash expired, or was deleted by hand). */
  synchronized void drop(long handle) {
    records.remove(handle);
  }

  /** Redis loses the latest writes to {@code handle} (a failover): it holds {@code older} again, silently. */
  synchronized void rollBack(ConnectionRecord older) {
    records.put(older.handle(), older.copy());
  }

  /** What the store holds for {@code handle}, or null. */
  synchronized ConnectionRecord record(long handle) {
    ConnectionRecord record = records.get(handle);
    return record == null ? null : record.copy();
  }

  /** Every request sent so far, in order, e.g. {@code "b 42 #5"}. */
  synchronized List<String> sent() {
    return List.copyOf(sent);
  }

  /** Completes once {@code count} requests were sent in all (and answered, unless answers are held). */
  synchronized Future<Void> sentCount(int count) {
    Promise<Void> promise = Promise.promise();
    if (sent.size() >= count) {
      promise.complete();
    } else {
      waiters.add(new Waiter(count, promise));
    }
    return promise.future();
  }

  // ---- the port

  @Override
  public Future<Void> start() {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }

  @Override
  public synchronized void onRestored(Runnable listener) {
    restoredListeners.add(listener);
  }

  @Override
  public Future<RegisterOutcome> register(ConnectionRecord record, Ticket ticket) {
    return submit("r " + record.handle(), ticket, () -> {
      ConnectionRecord existing = records.get(record.handle());
      if (existing != null) {
        return answer(new RegisterOutcome(false, existing.copy(), false));
      }
      ConnectionRecord created = record.copy();
      created.version(1);
      records.put(record.handle(), created);
      JsonObject changes = created.toJson();
      changes.remove(Fields.HANDLE);
      changes.remove(Fields.VERSION);
      changes.remove(Fields.LAST_SEEN);
      return answer(new RegisterOutcome(true, null, false),
          event("registered", record.handle(), 1, changes, origin, record.lastSeen()));
    });
  }

  @Override
  public Future<WriteOutcome> bind(long handle, String playerRef, long at, Ticket ticket) {
    return submit("b " + handle + " " + playerRef, ticket, () -> {
      ConnectionRecord record = records.get(handle);
      if (record == null) {
        return answer(WriteOutcome.NO_CONNECTION);
      }
      if (playerRef.equals(record.playerRef())) {
        return answer(new WriteOutcome(WriteOutcome.Status.UNCHANGED, record.version(), playerRef));
      }
      if (record.playerRef() != null) {
        return answer(new WriteOutcome(WriteOutcome.Status.CONFLICT, 0, record.playerRef()));
      }
      return change(handle, "bound", FieldChange.empty().field(Fields.STATE, ConnectionState.LOGGED_IN.wire())
          .field(Fields.PLAYER_REF, playerRef), at, null,
          new JsonObject().put(Fields.STATE, ConnectionState.LOGGED_IN.wire()).put(Fields.PLAYER_REF, playerRef));
    });
  }

  @Override
  public Future<WriteOutcome> unbind(long handle, long at, Ticket ticket) {
    return submit("u " + handle, ticket, () -> {
      ConnectionRecord record = records.get(handle);
      if (record == null) {
        return answer(WriteOutcome.NO_CONNECTION);
      }
      if (record.playerRef() == null) {
        return answer(new WriteOutcome(WriteOutcome.Status.UNCHANGED, record.version(), null));
      }
      return change(handle, "unbound", FieldChange.empty().field(Fields.STATE, ConnectionState.CONNECTED.wire())
          .field(Fields.PLAYER_REF, null), at, record.playerRef(),
          new JsonObject().put(Fields.STATE, ConnectionState.CONNECTED.wire()).putNull(Fields.PLAYER_REF));
    });
  }

  @Override
  public Future<WriteOutcome> update(long handle, FieldChange change, long at, Ticket ticket) {
    FieldChange copy = FieldChange.empty();
    copy.merge(change);
    return submit("m " + handle + " " + copy, ticket, () -> {
      if (!records.containsKey(handle)) {
        return answer(WriteOutcome.NO_CONNECTION);
      }
      JsonObject metadata = new JsonObject();
      copy.fields().forEach((field, value) -> metadata.put(Fields.metaKey(field), value));
      return change(handle, "updated", copy, at, null, new JsonObject().put(Fields.METADATA, metadata));
    });
  }

  @Override
  public Future<WriteOutcome> disconnect(long handle, String reason, long at, Ticket ticket) {
    return submit("d " + handle, ticket, () -> {
      ConnectionRecord record = records.remove(handle);
      if (record == null) {
        return answer(new WriteOutcome(WriteOutcome.Status.UNCHANGED, 0, null));
      }
      long version = record.version() + 1;
      JsonObject changes = reason == null ? new JsonObject() : new JsonObject().put("reason", reason);
      return answer(new WriteOutcome(WriteOutcome.Status.APPLIED, version, record.playerRef()),
          event("disconnected", handle, version, changes, origin, at));
    });
  }

  @Override
  public Future<WriteOutcome> expire(long handle, Expiry expiry, long at, Ticket ticket) {
    return submit("x " + handle + " " + expiry.reason(), ticket, () -> {
      ConnectionRecord record = records.get(handle);
      if (record == null) {
        return answer(WriteOutcome.NO_CONNECTION);
      }
      if (!expiry.owner().equals(record.owner())
          || expiry.session() != null && !expiry.session().equals(record.session())) {
        return answer(new WriteOutcome(WriteOutcome.Status.UNCHANGED, record.version(), null));
      }
      records.remove(handle);
      long version = record.version() + 1;
      return answer(new WriteOutcome(WriteOutcome.Status.APPLIED, version, record.playerRef()),
          event("expired", handle, version, new JsonObject().put("reason", expiry.reason()), origin, at));
    });
  }

  @Override
  public synchronized Future<Void> replicated(long handle, String playerRef, Ticket ticket) {
    return replicasMissing ? Future.failedFuture(new ReplicasNotConfirmed(0, 1, 500)) : Future.succeededFuture();
  }

  @Override
  public synchronized void abandon(Ticket ticket) {
    ticket.abandon();
    unsent.removeIf(call -> {
      if (call.ticket() == ticket) {
        context.runOnContext(v -> call.promise().fail(new NotSentException()));
        return true;
      }
      return false;
    });
  }

  @Override
  public Future<StoredConnection> read(long handle, Ticket ticket) {
    ConnectionRecord asSent;
    synchronized (this) {
      asSent = records.get(handle) == null ? null : records.get(handle).copy();
    }
    return submit("read " + handle, ticket, () -> {
      // as Redis does: a read sees what was stored when it ran, even if its answer comes later
      ConnectionRecord record = readsSeeSendTime ? asSent : records.get(handle);
      return answer(record == null ? null : new StoredConnection(record.copy(), null));
    });
  }

  /** Reads see the store as it was when they were sent (Redis ran them then; the answer travels later). */
  synchronized void readsSeeSendTime() {
    readsSeeSendTime = true;
  }

  /**
   * As the Redis store reads a batch: one request reads the hashes, then, if some handle has
   * none, a second one looks for their v1 records (there are none here). The batch's answer
   * comes with the second's: answers to requests sent between the two come before it.
   */
  @Override
  public Future<List<ReadResult>> readAll(List<Long> handles) {
    Map<Long, ConnectionRecord> asSent = new TreeMap<>();
    synchronized (this) {
      handles.stream().filter(records::containsKey).forEach(h -> asSent.put(h, records.get(h).copy()));
    }
    return submit("readAll " + handles, null, () -> {
      List<ReadResult> out = new ArrayList<>();
      for (long handle : handles) {
        ConnectionRecord record = readsSeeSendTime ? asSent.get(handle) : records.get(handle);
        out.add(record == null ? ReadResult.MISSING : ReadResult.found(new StoredConnection(record.copy(), null)));
      }
      return answer(out);
    }).compose(out -> {
      List<Long> missing = new ArrayList<>();
      for (int i = 0; i < handles.size(); i++) {
        if (out.get(i).missing()) {
          missing.add(handles.get(i));
        }
      }
      return missing.isEmpty() ? Future.succeededFuture(out)
          : submit("readLegacy " + missing, null, () -> answer(out));
    });
  }

  @Override
  public Future<ConvertOutcome> convert(StoredConnection stored) {
    return submit("convert " + stored.record().handle(), null, () -> answer(ConvertOutcome.ALREADY));
  }

  @Override
  public Future<List<Long>> listHandles() {
    return submit("list", null, () -> answer(List.copyOf(records.keySet())));
  }

  /** Every live handle when there are no more than {@code count}; else the first {@code count}. */
  @Override
  public Future<List<Long>> sampleHandles(int count) {
    return submit("sample " + count, null, () -> answer(records.keySet().stream().limit(count).toList()));
  }

  @Override
  public Future<Long> removeOrphans(List<Long> handles) {
    return submit("removeOrphans " + handles, null, () -> answer(0L));
  }

  @Override
  public Future<List<Long>> scanHandles() {
    return submit("scan", null, () -> answer(List.copyOf(records.keySet())));
  }

  @Override
  public Future<Void> relist(long handle) {
    return submit("relist " + handle, null, () -> new Outcome<Void>(null, List.of()));
  }

  // ---- how requests travel

  private synchronized <T> Future<T> submit(String what, Ticket ticket, Supplier<Outcome<T>> apply) {
    Call<T> call = new Call<>(what, ticket, apply, Promise.promise());
    if (down) {
      unsent.add(call);
    } else {
      send(call);
    }
    return call.promise().future();
  }

  private void send(Call<?> call) {
    if (call.ticket() != null && call.ticket().abandoned()) {
      context.runOnContext(v -> call.promise().fail(new NotSentException()));
      return;
    }
    if (call.ticket() != null) {
      call.ticket().markSent();
    }
    sent.add(call.what());
    if (holding) {
      unanswered.add(call);
    } else {
      answerSoon(call);
    }
    // after the answer, so that a test waiting for this request sees it answered unless held
    waiters.removeIf(w -> {
      if (sent.size() >= w.count()) {
        context.runOnContext(v -> w.promise().complete());
        return true;
      }
      return false;
    });
  }

  private void answerSoon(Call<?> call) {
    context.runOnContext(v -> answer(call));
  }

  private <T> void answer(Call<T> call) {
    Outcome<T> outcome;
    synchronized (this) {
      if (fenced && call.what().matches("[rbumdx] .*")) {
        call.promise().fail(new FencedException("the lease holds another epoch (fake store)"));
        return;
      }
      if (failures > 0) {
        failures--;
        outcome = null;
      } else {
        outcome = call.apply().get();
      }
    }
    if (outcome == null) {
      call.promise().fail(new VertxException("Connection reset (fake store)"));
      return;
    }
    if (eventsFirst) {
      outcome.events().forEach(this::publish);
    }
    call.promise().complete(outcome.answer());
    if (!eventsFirst) {
      outcome.events().forEach(this::publish);
    }
  }

  private Outcome<WriteOutcome> change(long handle, String type, FieldChange change, long at, String boundBefore,
                                       JsonObject changes) {
    ConnectionRecord record = records.get(handle);
    record.apply(change, at);
    record.version(record.version() + 1);
    return answer(new WriteOutcome(WriteOutcome.Status.APPLIED, record.version(), boundBefore),
        event(type, handle, record.version(), changes, origin, at));
  }

  private static <T> Outcome<T> answer(T answer, ChangeEvent... events) {
    return new Outcome<>(answer, List.of(events));
  }

  private static ChangeEvent event(String type, long handle, long version, JsonObject changes, String origin,
                                   long at) {
    return ChangeEvent.parse(new JsonObject().put("type", type).put(Fields.HANDLE, handle)
        .put(Fields.VERSION, version).put("changes", changes).put("origin", origin).put("at", at).encode());
  }

  private synchronized void publish(ChangeEvent event) {
    if (losingEvents) {
      return;
    }
    if (holdingEvents) {
      heldEvents.add(event);
    } else {
      deliver(event);
    }
  }

  private void deliver(ChangeEvent event) {
    Consumer<ChangeEvent> sink = events;
    context.runOnContext(v -> sink.accept(event));
  }
}
