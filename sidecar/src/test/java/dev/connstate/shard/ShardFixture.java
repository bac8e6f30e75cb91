package dev.connstate.shard;

import dev.connstate.config.ConfigLoader;
import dev.connstate.config.SidecarConfig;
import dev.connstate.model.ConnectionRecord;
import dev.connstate.model.PlayerRef;
import dev.connstate.ops.Metrics;
import dev.connstate.ops.RateLimitedLog;
import dev.connstate.protocol.Addresses;
import dev.connstate.protocol.Command;
import dev.connstate.testing.SubscriberCopy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * One shard deployed on a test's Vert.x over a {@link FakeStore}: the per-handle logic with
 * no Redis. Commands go in through {@link ShardVerticle#execute}, as the ingress sends them.
 */
final class ShardFixture {
  static final String INSTANCE = "sidecar-a";

  final FakeStore store = new FakeStore(INSTANCE);
  final ShardTotals totals = new ShardTotals();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final ShardVerticle shard;

  private ShardFixture(JsonObject overrides) {
    JsonObject settings = new JsonObject().put("instanceId", INSTANCE).mergeIn(overrides, true);
    SidecarConfig config = new ConfigLoader().load(null, Map.of(), settings);
    ShardEnvironment env = new ShardEnvironment(config, store.factory(), totals, new ResyncRequests(),
        new Metrics(registry),
        new RateLimitedLog(LoggerFactory.getLogger("dev.connstate.problems"), 5_000));
    shard = new ShardVerticle(0, env);
    store.publishTo(shard::apply);
  }

  /** Deploys a shard with these configuration overrides (same shape as the file). */
  static Future<ShardFixture> deploy(Vertx vertx, JsonObject overrides) {
    ShardFixture fixture = new ShardFixture(overrides);
    return vertx.deployVerticle(fixture.shard).map(id -> fixture);
  }

  Future<JsonObject> run(Command.ForHandle command) {
    return shard.execute(command);
  }

  /** What the Reloader does after the subscription came back: the active set, then the shard. */
  Future<Void> resync() {
    return shard.listHandles().compose(handles -> shard.resync(handles, 100));
  }

  /** A subscriber of connstate.events on {@code vertx} keeping a copy by protocol §8.3. */
  static SubscriberCopy subscriber(Vertx vertx) {
    SubscriberCopy subscriber = new SubscriberCopy();
    vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS, m -> subscriber.accept(m.body()));
    return subscriber;
  }

  /** Completes once every command submitted before it has been taken in by the shard. */
  Future<Void> settled() {
    return shard.byPlayer(PlayerRef.parse("#0")).mapEmpty();
  }

  /** The value of a counter of the sidecar's metrics (0 if it does not exist). */
  double counter(String name, String... tags) {
    Counter counter = registry.find(name).tags(tags).counter();
    return counter == null ? 0 : counter.count();
  }

  static Command.Register register(long handle) {
    return new Command.Register(handle, "203.0.113.5:50122", "host-" + handle, "telnet", null, null, Map.of());
  }

  static Command.Bind bind(long handle, String player) {
    return new Command.Bind(handle, PlayerRef.parse(player));
  }

  static Command.Update update(long handle, String key, String value) {
    return new Command.Update(handle, mapOf(key, value), false);
  }

  static Command.Update criticalUpdate(long handle, String key, String value) {
    return new Command.Update(handle, mapOf(key, value), true);
  }

  static Command.Get get(long handle) {
    return new Command.Get(handle);
  }

  static ConnectionRecord stored(long handle, long version) {
    ConnectionRecord record = ConnectionRecord.create(handle, "198.51.100.7:4000", "elsewhere", "websocket",
        "sidecar-b", 1_770_000_000_000L, Map.of("WIDTH", "80"));
    record.version(version);
    return record;
  }

  private static Map<String, String> mapOf(String key, String value) {
    Map<String, String> map = new java.util.HashMap<>();
    map.put(key, value);
    return map;
  }
}
