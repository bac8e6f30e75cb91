package dev.connstate;

import static dev.connstate.CommandBodies.handleBody;
import static dev.connstate.CommandBodies.registerBody;
import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.protocol.Addresses;
import dev.connstate.store.RedisKeys;
import dev.connstate.testing.Await;
import dev.connstate.testing.TestRedis;
import dev.connstate.testing.TestSidecar;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The fixture of {@link CommandsIT}: one real Redis per class, one sidecar with a fresh key
 * prefix per test, raw requests on its event bus (any body, also malformed), and the
 * assertions that pin DESIGN §3 (the connection JSON) and §4 (its hash and expiry).
 */
abstract class CommandsTestSupport {
  static final String INSTANCE = "commands-a";
  static final long TTL_MS = 86_400_000L;
  /** An expiry far below the default, set by hand to prove that a write refreshes it. */
  static final long SHORTENED_TTL_MS = 1_000_000L;
  static final Duration CONVERGE = Duration.ofSeconds(10);
  private static final List<String> CONNECTION_MEMBERS = List.of("handle", "state", "ipAddress", "hostname",
      "connectionType", "owner", "connectedAt", "lastSeen", "version", "metadata");

  @RegisterExtension
  static final TestRedis redis = TestRedis.perClass();
  TestSidecar sidecar;
  RedisKeys keys;
  String prefix;

  @BeforeEach
  void startSidecar() {
    prefix = TestSidecar.newPrefix("commands");
    sidecar = TestSidecar.start(redis, prefix, INSTANCE);
    keys = sidecar.keys();
  }

  @AfterEach
  void stopSidecar() {
    sidecar.close();
  }

  Future<JsonObject> request(String address, Object body) {
    return sidecar.sidecar().vertx().eventBus().<JsonObject>request(address, body).map(Message::body);
  }

  JsonObject send(String address, Object body) {
    return Await.result(request(address, body));
  }

  ReplyException fail(String address, Object body) {
    return Await.failure(request(address, body));
  }

  /** Registers {@code handle} and returns the connection (without {@code created}). */
  JsonObject register(long handle) {
    JsonObject reply = send(Addresses.REGISTER, registerBody(handle));
    assertThat(reply.getValue("created")).isEqualTo(true);
    return withoutCreated(reply);
  }

  JsonObject get(long handle) {
    return send(Addresses.GET, handleBody(handle));
  }

  /** Every key under this test's prefix with its content: a hash's fields, a set's members. */
  Map<String, Object> snapshot() {
    Map<String, Object> out = new HashMap<>();
    redis.call("KEYS", prefix + "*").forEach(k -> {
      String key = k.toString();
      String type = redis.call("TYPE", key).toString();
      out.put(key, switch (type) {
        case "hash" -> redis.hgetall(key);
        case "set" -> redis.smembers(key);
        default -> type;
      });
    });
    return out;
  }

  /** These owners are live sidecars: each holds a lease (DESIGN §7), without expiry. */
  void liveOwners(String... owners) {
    for (String owner : owners) {
      redis.call("SET", keys.lease(owner), "1");
    }
  }

  /** Redis holds no key under this test's prefix but the sidecar's own lease (DESIGN §7). */
  void assertNothingStored() {
    List<String> found = new ArrayList<>();
    redis.call("KEYS", prefix + "*").forEach(k -> found.add(k.toString()));
    found.remove(keys.lease(INSTANCE));
    found.remove(keys.leaseEpoch(INSTANCE));
    assertThat(found).as("keys under " + prefix).isEmpty();
  }

  /** Sets the hash's expiry far below the configured one, so a later write must raise it again. */
  void shortenTtl(long handle) {
    redis.call("PEXPIRE", keys.connection(handle), SHORTENED_TTL_MS);
    assertThat(redis.pttl(keys.connection(handle))).isLessThanOrEqualTo(SHORTENED_TTL_MS);
  }

  /** The hash expires within 24 h, and far later than a shortened expiry: a write just set it. */
  void assertFreshTtl(long handle) {
    Await.until("the expiry of " + handle + " refreshed", CONVERGE,
        () -> redis.pttl(keys.connection(handle)) > SHORTENED_TTL_MS);
    assertThat(redis.pttl(keys.connection(handle))).isGreaterThan(TTL_MS - 60_000).isLessThanOrEqualTo(TTL_MS);
  }

  /** A message that names {@code field} as a whole word. */
  static Pattern namesField(String field) {
    return Pattern.compile("(?s).*(?<![\\w.])" + Pattern.quote(field) + "(?![\\w]).*");
  }

  static JsonObject withoutCreated(JsonObject reply) {
    JsonObject c = reply.copy();
    c.remove("created");
    return c;
  }

  /** The members and types of DESIGN §3, and the given identity, state and version. */
  static void assertConnection(JsonObject c, long handle, String state, String playerRef, long version) {
    Set<String> members = new LinkedHashSet<>(CONNECTION_MEMBERS);
    if (playerRef != null) {
      members.add("playerRef");
    }
    assertThat(c.fieldNames()).as(c.encode()).containsExactlyInAnyOrderElementsOf(members);
    for (String number : List.of("handle", "connectedAt", "lastSeen", "version")) {
      assertThat(c.getValue(number)).as(number).isInstanceOfAny(Integer.class, Long.class);
    }
    for (String text : List.of("state", "ipAddress", "hostname", "connectionType", "owner")) {
      assertThat(c.getValue(text)).as(text).isInstanceOf(String.class);
    }
    assertThat(c.getLong("handle")).isEqualTo(handle);
    assertThat(c.getString("state")).isEqualTo(state);
    assertThat(c.getString("playerRef")).isEqualTo(playerRef);
    assertThat(c.getLong("version")).isEqualTo(version);
    assertThat(c.getLong("lastSeen")).isGreaterThanOrEqualTo(c.getLong("connectedAt"));
    assertThat(c.getValue("metadata")).isInstanceOf(JsonObject.class);
    c.getJsonObject("metadata").forEach(e -> assertThat(e.getValue()).as("metadata." + e.getKey())
        .isInstanceOf(String.class));
    assertThat(c.getJsonObject("metadata").fieldNames()).contains("ConnectionStartTime", "LastConnectionSignal",
        "InternetProtocolAddress", "HostName", "ConnectionType");
  }

  /** The v2 hash (DESIGN §4) that holds connection {@code c}. */
  static Map<String, String> expectedHash(JsonObject c) {
    Map<String, String> hash = new HashMap<>();
    for (String field : List.of("handle", "connectedAt", "lastSeen", "version")) {
      hash.put(field, Long.toString(c.getLong(field)));
    }
    for (String field : List.of("state", "playerRef", "ipAddress", "hostname", "connectionType", "owner")) {
      if (c.getString(field) != null) {
        hash.put(field, c.getString(field));
      }
    }
    c.getJsonObject("metadata").forEach(e -> hash.put("meta:" + e.getKey(), (String) e.getValue()));
    return hash;
  }

  static List<Long> handlesOf(JsonObject page) {
    List<Long> out = new ArrayList<>();
    page.getJsonArray("connections").forEach(c -> out.add(((JsonObject) c).getLong("handle")));
    return out;
  }

  static List<Long> longs(JsonArray array) {
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      out.add(array.getLong(i));
    }
    return out;
  }
}
