package dev.connstate;

import static dev.connstate.CommandBodies.HOST;
import static dev.connstate.CommandBodies.IP;
import static dev.connstate.CommandBodies.MAX_HANDLE;
import static dev.connstate.CommandBodies.PLAYER;
import static dev.connstate.CommandBodies.bindBody;
import static dev.connstate.CommandBodies.handleBody;
import static dev.connstate.CommandBodies.metadataOf;
import static dev.connstate.CommandBodies.registerBody;
import static dev.connstate.CommandBodies.updateBody;
import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.protocol.Addresses;
import dev.connstate.testing.Await;
import dev.connstate.testing.TestSidecar;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ten commands of DESIGN §2 against a real sidecar on a real Redis: each reply exactly as
 * §2/§3 describe it, each malformed body a 400 naming its field, and the Redis keys of §4 after
 * each change. Every test has its own sidecar and key prefix ({@link CommandsTestSupport}); the
 * bodies come from {@link CommandBodies}.
 */
@DisplayName("The commands of DESIGN §2")
class CommandsIT extends CommandsTestSupport {

  // ---------------------------------------------------------------- register

  @Nested
  @DisplayName("connstate.register")
  class Register {
    @Test
    @DisplayName("answers the new connection with created:true and the five SharpMUSH keys filled")
    void createsConnection() {
      liveOwners("connsrv-1");
      long before = System.currentTimeMillis();
      JsonObject reply = send(Addresses.REGISTER, registerBody(42).put("owner", "connsrv-1")
          .put("metadata", new JsonObject().put("WIDTH", "120")));
      long after = System.currentTimeMillis();

      assertThat(reply.getValue("created")).isEqualTo(true);
      JsonObject c = withoutCreated(reply);
      assertConnection(c, 42, "Connected", null, 1);
      assertThat(c.getString("ipAddress")).isEqualTo(IP);
      assertThat(c.getString("hostname")).isEqualTo(HOST);
      assertThat(c.getString("connectionType")).isEqualTo("telnet");
      assertThat(c.getString("owner")).isEqualTo("connsrv-1");
      long at = c.getLong("connectedAt");
      assertThat(at).isBetween(before, after);
      assertThat(c.getLong("lastSeen")).isEqualTo(at);
      assertThat(c.getJsonObject("metadata").getMap()).containsExactlyInAnyOrderEntriesOf(Map.of(
          "ConnectionStartTime", Long.toString(at), "LastConnectionSignal", Long.toString(at),
          "InternetProtocolAddress", IP, "HostName", HOST, "ConnectionType", "telnet", "WIDTH", "120"));
    }

    @Test
    @DisplayName("stores the hash of DESIGN §4, adds the handle to conn:active and sets the 24 h expiry")
    void storesHash() {
      liveOwners("connsrv-1");
      JsonObject c = withoutCreated(send(Addresses.REGISTER, registerBody(42).put("owner", "connsrv-1")
          .put("metadata", new JsonObject().put("WIDTH", "120"))));
      String at = Long.toString(c.getLong("connectedAt"));

      Map<String, String> expected = new HashMap<>();
      expected.put("handle", "42");
      expected.put("state", "Connected");
      expected.put("ipAddress", IP);
      expected.put("hostname", HOST);
      expected.put("connectionType", "telnet");
      expected.put("owner", "connsrv-1");
      expected.put("connectedAt", at);
      expected.put("lastSeen", at);
      expected.put("version", "1");
      expected.put("meta:ConnectionStartTime", at);
      expected.put("meta:LastConnectionSignal", at);
      expected.put("meta:InternetProtocolAddress", IP);
      expected.put("meta:HostName", HOST);
      expected.put("meta:ConnectionType", "telnet");
      expected.put("meta:WIDTH", "120");
      assertThat(redis.hgetall(prefix + "conn:{42}")).isEqualTo(expected);
      assertThat(redis.smembers(prefix + "conn:active")).containsExactly("42");
      assertFreshTtl(42);
    }

    @Test
    @DisplayName("an owner no sidecar holds a lease for is refused with 400 naming owner, and nothing is stored")
    void unleasedOwner() {
      ReplyException failure = fail(Addresses.REGISTER, registerBody(42).put("owner", "nobody-runs-this"));
      assertThat(failure.failureCode()).isEqualTo(400);
      assertThat(failure.getMessage()).startsWith("owner: ").contains("nobody-runs-this")
          .contains(keys.lease("nobody-runs-this")).contains(INSTANCE);
      assertNothingStored();
    }

    @Test
    @DisplayName("lists the connection in its owner's index (DESIGN §7); the last disconnect drops the owner")
    void ownerIndex() {
      liveOwners("connsrv-1");
      register(7);
      send(Addresses.REGISTER, registerBody(8).put("owner", "connsrv-1"));
      assertThat(redis.smembers(keys.owners())).containsExactlyInAnyOrder(INSTANCE, "connsrv-1");
      assertThat(redis.smembers(keys.owner(INSTANCE))).containsExactly("7");
      assertThat(redis.smembers(keys.owner("connsrv-1"))).containsExactly("8");
      send(Addresses.DISCONNECT, handleBody(8));
      assertThat(redis.smembers(keys.owners())).containsExactly(INSTANCE);
      assertThat(redis.exists(keys.owner("connsrv-1"))).isFalse();
    }

    @Test
    @DisplayName("stores the client session a register carries, and shows it")
    void session() {
      JsonObject c = withoutCreated(send(Addresses.REGISTER, registerBody(9).put("session", "boot-7f3a")));
      assertThat(c.getString("session")).isEqualTo("boot-7f3a");
      assertThat(redis.hgetall(keys.connection(9))).containsEntry("session", "boot-7f3a");
      assertThat(get(9).getString("session")).isEqualTo("boot-7f3a");
      JsonObject count = send(Addresses.SESSION, new JsonObject().put("session", "boot-7f3a"));
      assertThat(count).isEqualTo(new JsonObject().put("session", "boot-7f3a").put("connections", 1));
    }

    @Test
    @DisplayName("without an owner names the sidecar's instance id as owner")
    void ownerDefaultsToInstance() {
      JsonObject c = register(7);
      assertThat(c.getString("owner")).isEqualTo(INSTANCE);
      assertThat(redis.hgetall(keys.connection(7))).containsEntry("owner", INSTANCE);
    }

    @Test
    @DisplayName("keeps SharpMUSH keys the caller sent instead of filling them")
    void keepsGivenSharpMushKeys() {
      JsonObject c = withoutCreated(send(Addresses.REGISTER, registerBody(42).put("metadata",
          new JsonObject().put("ConnectionType", "websocket-tls").put("ConnectionStartTime", "1"))));
      assertThat(c.getJsonObject("metadata").getString("ConnectionType")).isEqualTo("websocket-tls");
      assertThat(c.getJsonObject("metadata").getString("ConnectionStartTime")).isEqualTo("1");
      assertThat(c.getJsonObject("metadata").getString("HostName")).isEqualTo(HOST);
      assertThat(redis.hgetall(keys.connection(42))).containsEntry("meta:ConnectionType", "websocket-tls")
          .containsEntry("meta:ConnectionStartTime", "1");
    }

    @Test
    @DisplayName("a second register answers created:false with the existing connection unchanged")
    void registerTwice() {
      JsonObject first = register(42);
      Map<String, String> stored = redis.hgetall(keys.connection(42));

      JsonObject second = send(Addresses.REGISTER, new JsonObject().put("handle", 42).put("ipAddress", "198.51.100.9:1")
          .put("hostname", "other.example.net").put("connectionType", "websocket").put("owner", "connsrv-2")
          .put("metadata", new JsonObject().put("WIDTH", "80")));

      assertThat(second.getValue("created")).isEqualTo(false);
      assertThat(withoutCreated(second)).isEqualTo(first);
      assertThat(redis.hgetall(keys.connection(42))).isEqualTo(stored);
      assertThat(redis.smembers(keys.active())).containsExactly("42");
      assertThat(get(42)).isEqualTo(first);
    }

    @Test
    @DisplayName("a register of a bound connection answers it as it is, LoggedIn at version 2")
    void registerAfterBind() {
      register(42);
      JsonObject bound = send(Addresses.BIND, bindBody(42, PLAYER));
      JsonObject again = send(Addresses.REGISTER, registerBody(42));
      assertThat(again.getValue("created")).isEqualTo(false);
      assertThat(withoutCreated(again)).isEqualTo(bound);
      assertConnection(withoutCreated(again), 42, "LoggedIn", PLAYER, 2);
    }

    @Test
    @DisplayName("a handle can be registered afresh after its disconnect, at version 1")
    void registerAfterDisconnect() {
      register(42);
      send(Addresses.BIND, bindBody(42, PLAYER));
      send(Addresses.DISCONNECT, handleBody(42));
      JsonObject reply = send(Addresses.REGISTER, registerBody(42));
      assertThat(reply.getValue("created")).isEqualTo(true);
      assertConnection(withoutCreated(reply), 42, "Connected", null, 1);
      assertThat(redis.hgetall(keys.connection(42))).isEqualTo(expectedHash(withoutCreated(reply)));
    }

    @Test
    @DisplayName("a connection registered again after disconnect carries nothing written behind before")
    void noStaleWritesAfterReRegister() {
      register(42);
      send(Addresses.UPDATE, updateBody(42, new JsonObject().put("WIDTH", "120")));
      send(Addresses.UPDATE, updateBody(42, new JsonObject().put("HEIGHT", "40")));
      send(Addresses.DISCONNECT, handleBody(42));
      JsonObject fresh = withoutCreated(send(Addresses.REGISTER, registerBody(42)));
      JsonObject c = send(Addresses.UPDATE, updateBody(42, new JsonObject().put("Prompt", "on")).put("critical", true));
      assertThat(c.getLong("version")).isEqualTo(2);
      JsonObject now = get(42);
      assertThat(now.getJsonObject("metadata").fieldNames()).doesNotContain("WIDTH", "HEIGHT").contains("Prompt");
      assertThat(now.getLong("connectedAt")).isEqualTo(fresh.getLong("connectedAt"));
      assertThat(redis.hgetall(keys.connection(42))).isEqualTo(expectedHash(now))
          .doesNotContainKeys("meta:WIDTH", "meta:HEIGHT");
    }

    @Test
    @DisplayName("handle 0 is a valid handle")
    void handleZero() {
      register(0);
      assertThat(redis.hgetall(keys.connection(0))).containsEntry("handle", "0");
      assertThat(redis.smembers(keys.active())).containsExactly("0");
      assertThat(get(0).getLong("handle")).isZero();
    }

    @Test
    @DisplayName("accepts every limit itself: handle 2^53-1, 64 metadata keys, a 128-character key, a 4096-byte value")
    void acceptsLimits() {
      JsonObject metadata = metadataOf(62);
      metadata.put("K".repeat(128), "v");
      metadata.put("BIG", "é".repeat(2048));
      JsonObject reply = send(Addresses.REGISTER, registerBody(MAX_HANDLE).put("ipAddress", "i".repeat(255))
          .put("metadata", metadata));
      assertThat(reply.getValue("created")).isEqualTo(true);
      JsonObject c = withoutCreated(reply);
      assertConnection(c, MAX_HANDLE, "Connected", null, 1);
      assertThat(c.getJsonObject("metadata").size()).isEqualTo(64 + 5);
      assertThat(redis.hgetall(keys.connection(MAX_HANDLE))).isEqualTo(expectedHash(c));
      assertThat(redis.smembers(keys.active())).containsExactly(Long.toString(MAX_HANDLE));
      assertThat(get(MAX_HANDLE)).isEqualTo(c);
    }
  }

  // ---------------------------------------------------------------- bind

  @Nested
  @DisplayName("connstate.bind")
  class Bind {
    @Test
    @DisplayName("answers the connection LoggedIn with the playerRef, at version 2")
    void binds() {
      JsonObject registered = register(42);
      long before = System.currentTimeMillis();
      JsonObject c = send(Addresses.BIND, bindBody(42, PLAYER));
      assertConnection(c, 42, "LoggedIn", PLAYER, 2);
      assertThat(c.getLong("lastSeen")).isBetween(before, System.currentTimeMillis());
      assertThat(c.getLong("connectedAt")).isEqualTo(registered.getLong("connectedAt"));
      assertThat(c.getJsonObject("metadata")).isEqualTo(registered.getJsonObject("metadata"));
      assertThat(get(42)).isEqualTo(c);
    }

    @Test
    @DisplayName("stores state and playerRef, adds the handle to the player's set and refreshes the expiry")
    void storesBinding() {
      register(42);
      shortenTtl(42);
      JsonObject c = send(Addresses.BIND, bindBody(42, PLAYER));
      Map<String, String> hash = redis.hgetall(prefix + "conn:{42}");
      assertThat(hash).isEqualTo(expectedHash(c)).containsEntry("state", "LoggedIn")
          .containsEntry("playerRef", PLAYER).containsEntry("version", "2");
      assertThat(redis.smembers(prefix + "player:{#5:1700000000000}")).containsExactly("42");
      assertThat(redis.smembers(prefix + "conn:active")).containsExactly("42");
      assertFreshTtl(42);
    }

    @Test
    @DisplayName("a bind right after a written-behind update is stored after it, and both are read back")
    void bindAfterWriteBehind() {
      register(42);
      send(Addresses.UPDATE, updateBody(42, new JsonObject().put("WIDTH", "120")));
      JsonObject c = send(Addresses.BIND, bindBody(42, PLAYER));
      assertConnection(c, 42, "LoggedIn", PLAYER, 3);
      assertThat(c.getJsonObject("metadata").getString("WIDTH")).isEqualTo("120");
      assertThat(get(42)).isEqualTo(c);
      assertThat(redis.hgetall(keys.connection(42))).isEqualTo(expectedHash(c));
    }

    @Test
    @DisplayName("a playerRef without creation time is stored as #N with its own set")
    void bindsBareNumber() {
      register(42);
      JsonObject c = send(Addresses.BIND, bindBody(42, "#5"));
      assertConnection(c, 42, "LoggedIn", "#5", 2);
      assertThat(redis.hgetall(keys.connection(42))).containsEntry("playerRef", "#5");
      assertThat(redis.smembers(prefix + "player:{#5}")).containsExactly("42");
    }

    @Test
    @DisplayName("a bind of the same player again is a no-op: same reply, nothing stored")
    void bindSamePlayerAgain() {
      register(42);
      JsonObject first = send(Addresses.BIND, bindBody(42, PLAYER));
      Map<String, String> stored = redis.hgetall(keys.connection(42));
      JsonObject second = send(Addresses.BIND, bindBody(42, PLAYER));
      assertThat(second).isEqualTo(first);
      assertThat(redis.hgetall(keys.connection(42))).isEqualTo(stored).containsEntry("version", "2");
      assertThat(redis.smembers(keys.player(PLAYER))).containsExactly("42");
    }

    @Test
    @DisplayName("a bind of another player while bound answers 409 and changes nothing")
    void bindOtherPlayerConflicts() {
      register(42);
      JsonObject bound = send(Addresses.BIND, bindBody(42, PLAYER));
      Map<String, String> stored = redis.hgetall(keys.connection(42));

      ReplyException failure = fail(Addresses.BIND, bindBody(42, "#6:1700000000000"));

      assertThat(failure.failureCode()).isEqualTo(409);
      assertThat(failure.getMessage()).contains(PLAYER);
      assertThat(get(42)).isEqualTo(bound);
      assertThat(redis.hgetall(keys.connection(42))).isEqualTo(stored);
      assertThat(redis.exists(keys.player("#6:1700000000000"))).isFalse();
      assertThat(redis.smembers(keys.player(PLAYER))).containsExactly("42");
    }

    @Test
    @DisplayName("a bind to an unknown handle answers 404 and stores nothing")
    void bindUnknown() {
      ReplyException failure = fail(Addresses.BIND, bindBody(77, PLAYER));
      assertThat(failure.failureCode()).isEqualTo(404);
      assertThat(failure.getMessage()).contains("77");
      assertNothingStored();
    }

    @Test
    @DisplayName("a bind after disconnect answers 404")
    void bindAfterDisconnect() {
      register(42);
      send(Addresses.DISCONNECT, handleBody(42));
      assertThat(fail(Addresses.BIND, bindBody(42, PLAYER)).failureCode()).isEqualTo(404);
      assertNothingStored();
    }
  }

  // ---------------------------------------------------------------- unbind

  @Nested
  @DisplayName("connstate.unbind")
  class Unbind {
    @Test
    @DisplayName("answers the connection Connected without playerRef, at version 3")
    void unbinds() {
      register(42);
      JsonObject bound = send(Addresses.BIND, bindBody(42, PLAYER));
      JsonObject c = send(Addresses.UNBIND, handleBody(42));
      assertConnection(c, 42, "Connected", null, 3);
      assertThat(c.getLong("lastSeen")).isGreaterThanOrEqualTo(bound.getLong("lastSeen"));
      assertThat(c.getJsonObject("metadata")).isEqualTo(bound.getJsonObject("metadata"));
      assertThat(get(42)).isEqualTo(c);
    }

    @Test
    @DisplayName("removes playerRef from the hash and the handle from the player's set, and refreshes the expiry")
    void storesUnbinding() {
      register(42);
      send(Addresses.BIND, bindBody(42, PLAYER));
      shortenTtl(42);
      JsonObject c = send(Addresses.UNBIND, handleBody(42));
      assertThat(redis.hgetall(prefix + "conn:{42}")).isEqualTo(expectedHash(c)).doesNotContainKey("playerRef")
          .containsEntry("state", "Connected").containsEntry("version", "3");
      assertThat(redis.smembers(prefix + "player:{#5:1700000000000}")).isEmpty();
      assertThat(redis.smembers(prefix + "conn:active")).containsExactly("42");
      assertFreshTtl(42);
    }

    @Test
    @DisplayName("an unbind right after a touch is stored after it, and both are read back")
    void unbindAfterTouch() {
      register(42);
      send(Addresses.BIND, bindBody(42, PLAYER));
      send(Addresses.TOUCH, handleBody(42));
      JsonObject c = send(Addresses.UNBIND, handleBody(42));
      assertConnection(c, 42, "Connected", null, 4);
      assertThat(get(42)).isEqualTo(c);
      assertThat(redis.hgetall(keys.connection(42))).isEqualTo(expectedHash(c));
    }

    @Test
    @DisplayName("an unbind of an unbound connection answers it unchanged and stores nothing")
    void unbindUnbound() {
      JsonObject registered = register(42);
      Map<String, String> stored = redis.hgetall(keys.connection(42));
      JsonObject c = send(Addresses.UNBIND, handleBody(42));
      assertThat(c).isEqualTo(registered);
      assertThat(redis.hgetall(keys.connection(42))).isEqualTo(stored);
    }

    @Test
    @DisplayName("an unbind of an unknown handle answers 404")
    void unbindUnknown() {
      ReplyException failure = fail(Addresses.UNBIND, handleBody(77));
      assertThat(failure.failureCode()).isEqualTo(404);
      assertThat(failure.getMessage()).contains("77");
      assertNothingStored();
    }

    @Test
    @DisplayName("a connection can bind another player after unbind")
    void bindAgainAfterUnbind() {
      register(42);
      send(Addresses.BIND, bindBody(42, PLAYER));
      send(Addresses.UNBIND, handleBody(42));
      JsonObject c = send(Addresses.BIND, bindBody(42, "#6:1700000000000"));
      assertConnection(c, 42, "LoggedIn", "#6:1700000000000", 4);
      assertThat(redis.smembers(keys.player("#6:1700000000000"))).containsExactly("42");
      assertThat(redis.smembers(keys.player(PLAYER))).isEmpty();
    }
  }

  // ---------------------------------------------------------------- update

  @Nested
  @DisplayName("connstate.update")
  class Update {
    @Test
    @DisplayName("a non-critical update answers exactly {handle, persisted:false} and is read back at once")
    void writtenBehind() {
      register(42);
      JsonObject reply = send(Addresses.UPDATE, updateBody(42, new JsonObject().put("WIDTH", "120")));
      assertThat(reply.fieldNames()).containsExactlyInAnyOrder("handle", "persisted");
      assertThat(reply.getLong("handle")).isEqualTo(42);
      assertThat(reply.getValue("persisted")).isEqualTo(false);
      assertThat(get(42).getJsonObject("metadata").getString("WIDTH")).isEqualTo("120");
    }

    @Test
    @DisplayName("a non-critical update reaches the hash as meta:<Key>, increments version and refreshes the expiry")
    void writtenBehindReachesRedis() {
      register(42);
      shortenTtl(42);
      send(Addresses.UPDATE, updateBody(42, new JsonObject().put("WIDTH", "120").put("HEIGHT", "40")));
      Await.until("meta:WIDTH and meta:HEIGHT in Redis", CONVERGE, () -> {
        Map<String, String> hash = redis.hgetall(keys.connection(42));
        return "120".equals(hash.get("meta:WIDTH")) && "40".equals(hash.get("meta:HEIGHT"));
      });
      assertThat(redis.hgetall(keys.connection(42))).containsEntry("version", "2");
      assertFreshTtl(42);
      Await.until("get shows version 2", CONVERGE, () -> get(42).getLong("version") == 2);
      assertThat(redis.hgetall(keys.connection(42))).isEqualTo(expectedHash(get(42)));
    }

    @Test
    @DisplayName("a critical update answers {handle, persisted:true, version} once Redis holds it")
    void critical() {
      register(42);
      shortenTtl(42);
      JsonObject reply = send(Addresses.UPDATE, updateBody(42, new JsonObject().put("WIDTH", "120"))
          .put("critical", true));
      assertThat(reply.fieldNames()).containsExactlyInAnyOrder("handle", "persisted", "version");
      assertThat(reply.getLong("handle")).isEqualTo(42);
      assertThat(reply.getValue("persisted")).isEqualTo(true);
      assertThat(reply.getValue("version")).isInstanceOfAny(Integer.class, Long.class);
      assertThat(reply.getLong("version")).isEqualTo(2);
      JsonObject c = get(42);
      assertConnection(c, 42, "Connected", null, 2);
      assertThat(redis.hgetall(keys.connection(42))).isEqualTo(expectedHash(c)).containsEntry("meta:WIDTH", "120");
      assertFreshTtl(42);
    }

    @Test
    @DisplayName("critical:false behaves like no critical member")
    void criticalFalse() {
      register(42);
      JsonObject reply = send(Addresses.UPDATE, updateBody(42, new JsonObject().put("WIDTH", "120"))
          .put("critical", false));
      assertThat(reply.fieldNames()).containsExactlyInAnyOrder("handle", "persisted");
      assertThat(reply.getValue("persisted")).isEqualTo(false);
    }

    @Test
    @DisplayName("a critical update after write-behind ones is stored after them, with the next version")
    void criticalAfterWriteBehind() {
      register(42);
      send(Addresses.UPDATE, updateBody(42, new JsonObject().put("WIDTH", "120")));
      send(Addresses.UPDATE, updateBody(42, new JsonObject().put("WIDTH", "132").put("HEIGHT", "50")));
      JsonObject reply = send(Addresses.UPDATE, updateBody(42, new JsonObject().put("Prompt", "on"))
          .put("critical", true));
      long version = reply.getLong("version");
      assertThat(version).isBetween(3L, 4L); // 2 or 3 write-behind writes, depending on coalescing
      Map<String, String> hash = redis.hgetall(keys.connection(42));
      assertThat(hash).containsEntry("meta:WIDTH", "132").containsEntry("meta:HEIGHT", "50")
          .containsEntry("meta:Prompt", "on").containsEntry("version", Long.toString(version));
      JsonObject c = get(42);
      assertThat(c.getLong("version")).isEqualTo(version);
      assertThat(hash).isEqualTo(expectedHash(c));
    }

    @Test
    @DisplayName("a null value removes the meta: field, written behind or critical")
    void nullRemoves() {
      send(Addresses.REGISTER, registerBody(42).put("metadata", new JsonObject().put("GMCP", "1").put("MSDP", "1")));
      send(Addresses.UPDATE, updateBody(42, new JsonObject().putNull("GMCP")));
      assertThat(get(42).getJsonObject("metadata").containsKey("GMCP")).isFalse();
      Await.until("meta:GMCP removed from Redis", CONVERGE,
          () -> !redis.hgetall(keys.connection(42)).containsKey("meta:GMCP"));

      JsonObject reply = send(Addresses.UPDATE, updateBody(42, new JsonObject().putNull("MSDP")).put("critical", true));
      assertThat(reply.getLong("version")).isEqualTo(3);
      JsonObject c = get(42);
      assertThat(c.getJsonObject("metadata").fieldNames()).doesNotContain("GMCP", "MSDP");
      assertThat(redis.hgetall(keys.connection(42))).isEqualTo(expectedHash(c))
          .doesNotContainKeys("meta:GMCP", "meta:MSDP");
    }

    @Test
    @DisplayName("keys configured as critical are stored before the reply")
    void configuredCriticalKey() {
      String otherPrefix = TestSidecar.newPrefix("commands");
      try (TestSidecar other = TestSidecar.start(redis, otherPrefix, "commands-b",
          new JsonObject().put("criticalMetadataKeys", new JsonArray().add("Prompt")))) {
        Await.result(other.client().register(42, IP, HOST, "telnet"));
        JsonObject reply = Await.result(other.client().request(Addresses.UPDATE,
            updateBody(42, new JsonObject().put("Prompt", "on"))));
        assertThat(reply.getValue("persisted")).isEqualTo(true);
        assertThat(reply.getLong("version")).isEqualTo(2);
        assertThat(redis.hgetall(other.keys().connection(42))).containsEntry("meta:Prompt", "on")
            .containsEntry("version", "2");
      }
    }

    @Test
    @DisplayName("accepts 64 keys, a 128-character key and a 4096-byte value")
    void acceptsLimits() {
      register(42);
      JsonObject metadata = metadataOf(62).put("K".repeat(128), "v").put("BIG", "x".repeat(4096));
      JsonObject reply = send(Addresses.UPDATE, updateBody(42, metadata).put("critical", true));
      assertThat(reply.getLong("version")).isEqualTo(2);
      Map<String, String> hash = redis.hgetall(keys.connection(42));
      assertThat(hash).containsEntry("meta:" + "K".repeat(128), "v").containsEntry("meta:BIG", "x".repeat(4096))
          .containsEntry("meta:K61", "v");
      assertThat(hash).isEqualTo(expectedHash(get(42)));
    }

    @Test
    @DisplayName("values may hold control characters and non-ASCII text, stored byte for byte")
    void valuesKeepControlCharacters() {
      register(42);
      String prompt = "\u001b[1m> \u001b[0m\r\nnaïve ☃";
      send(Addresses.UPDATE, updateBody(42, new JsonObject().put("Prompt", prompt)).put("critical", true));
      assertThat(get(42).getJsonObject("metadata").getString("Prompt")).isEqualTo(prompt);
      assertThat(redis.hgetall(keys.connection(42))).containsEntry("meta:Prompt", prompt);
    }

    @Test
    @DisplayName("an update of an unknown handle answers 404, written behind or critical, and stores nothing")
    void updateUnknown() {
      ReplyException behind = fail(Addresses.UPDATE, updateBody(77, new JsonObject().put("WIDTH", "120")));
      assertThat(behind.failureCode()).isEqualTo(404);
      assertThat(behind.getMessage()).contains("77");
      ReplyException critical = fail(Addresses.UPDATE, updateBody(77, new JsonObject().put("WIDTH", "120"))
          .put("critical", true));
      assertThat(critical.failureCode()).isEqualTo(404);
      assertNothingStored();
    }
  }

  // ---------------------------------------------------------------- touch

  @Nested
  @DisplayName("connstate.touch")
  class Touch {
    @Test
    @DisplayName("answers exactly {handle, persisted:false} and sets LastConnectionSignal and lastSeen to now")
    void touches() {
      register(42);
      send(Addresses.UPDATE, updateBody(42, new JsonObject().put("LastConnectionSignal", "0")).put("critical", true));
      long before = System.currentTimeMillis();
      JsonObject reply = send(Addresses.TOUCH, handleBody(42));
      long after = System.currentTimeMillis();
      assertThat(reply.fieldNames()).containsExactlyInAnyOrder("handle", "persisted");
      assertThat(reply.getLong("handle")).isEqualTo(42);
      assertThat(reply.getValue("persisted")).isEqualTo(false);

      JsonObject c = get(42);
      long signal = Long.parseLong(c.getJsonObject("metadata").getString("LastConnectionSignal"));
      assertThat(signal).isBetween(before, after);
      assertThat(c.getLong("lastSeen")).isEqualTo(signal);
    }

    @Test
    @DisplayName("writes LastConnectionSignal behind to the hash and refreshes the expiry")
    void touchReachesRedis() {
      register(42);
      send(Addresses.UPDATE, updateBody(42, new JsonObject().put("LastConnectionSignal", "0")).put("critical", true));
      shortenTtl(42);
      send(Addresses.TOUCH, handleBody(42));
      Await.until("the touch stored", CONVERGE, () -> redis.hgetall(keys.connection(42)).equals(expectedHash(get(42))));
      Map<String, String> hash = redis.hgetall(keys.connection(42));
      assertThat(hash).containsEntry("version", "3");
      assertThat(hash.get("meta:LastConnectionSignal")).isNotEqualTo("0").isEqualTo(hash.get("lastSeen"));
      assertFreshTtl(42);
    }

    @Test
    @DisplayName("with handles touches each live one and reports the unknown ones (and none refused)")
    void touchesMany() {
      register(1);
      register(2);
      send(Addresses.UPDATE, updateBody(1, new JsonObject().put("LastConnectionSignal", "0")).put("critical", true));
      send(Addresses.UPDATE, updateBody(2, new JsonObject().put("LastConnectionSignal", "0")).put("critical", true));
      JsonObject reply = send(Addresses.TOUCH, new JsonObject().put("handles", new JsonArray().add(1).add(99).add(2)));
      assertThat(reply.fieldNames()).containsExactlyInAnyOrder("handles", "persisted", "unknown", "refused");
      assertThat(longs(reply.getJsonArray("handles"))).containsExactly(1L, 2L);
      assertThat(longs(reply.getJsonArray("unknown"))).containsExactly(99L);
      assertThat(reply.getJsonArray("refused")).isEmpty();
      assertThat(reply.getValue("persisted")).isEqualTo(false);
      for (long h : List.of(1L, 2L)) {
        Await.until("touch of " + h + " stored", CONVERGE,
            () -> !"0".equals(redis.hgetall(keys.connection(h)).get("meta:LastConnectionSignal")));
      }
      assertThat(redis.exists(keys.connection(99))).isFalse();
    }

    @Test
    @DisplayName("with handles reports as refused, not touched, a handle the full write-behind backlog cannot take")
    void touchManyReportsRefused() {
      try (TestSidecar small = TestSidecar.start(redis, TestSidecar.newPrefix("commands-backlog"), INSTANCE,
          new JsonObject().put("maxPendingHandles", 1))) {
        Await.result(small.client().register(1, "10.0.0.1:1", "h", "telnet"));
        Await.result(small.client().register(2, "10.0.0.2:2", "h", "telnet"));
        redis.call("CLIENT", "PAUSE", 5000, "WRITE");
        try {
          Await.result(small.client().update(1, Map.of("STALLED", "1")));
          JsonObject reply = Await.result(small.client().request(Addresses.TOUCH,
              new JsonObject().put("handles", new JsonArray().add(1).add(2))));
          assertThat(longs(reply.getJsonArray("handles"))).containsExactly(1L);
          assertThat(longs(reply.getJsonArray("refused"))).containsExactly(2L);
          assertThat(reply.getJsonArray("unknown")).isEmpty();
          assertThat(Await.result(small.client().get(2)).metadata().get("LastConnectionSignal"))
              .as("the refused touch changed nothing")
              .isEqualTo(Await.result(small.client().get(2)).metadata().get("ConnectionStartTime"));
        } finally {
          redis.call("CLIENT", "UNPAUSE");
        }
      }
    }

    @Test
    @DisplayName("with a handle listed twice touches it once")
    void touchesDuplicateOnce() {
      register(1);
      JsonObject reply = send(Addresses.TOUCH, new JsonObject().put("handles", new JsonArray().add(1).add(1)));
      assertThat(longs(reply.getJsonArray("handles"))).containsExactly(1L);
      assertThat(reply.getJsonArray("unknown")).isEmpty();
      JsonObject c = send(Addresses.UPDATE, updateBody(1, new JsonObject().put("Prompt", "on")).put("critical", true));
      assertThat(c.getLong("version")).isEqualTo(3);
    }

    @Test
    @DisplayName("a touch of an unknown handle answers 404 and stores nothing")
    void touchUnknown() {
      ReplyException failure = fail(Addresses.TOUCH, handleBody(77));
      assertThat(failure.failureCode()).isEqualTo(404);
      assertThat(failure.getMessage()).contains("77");
      assertNothingStored();
    }
  }

  // ---------------------------------------------------------------- disconnect

  @Nested
  @DisplayName("connstate.disconnect")
  class Disconnect {
    @Test
    @DisplayName("answers exactly {handle, removed:true}, deletes the hash and empties both sets")
    void disconnects() {
      register(42);
      register(43);
      send(Addresses.BIND, bindBody(42, PLAYER));
      JsonObject reply = send(Addresses.DISCONNECT, handleBody(42).put("reason", "quit"));
      assertThat(reply.fieldNames()).containsExactlyInAnyOrder("handle", "removed");
      assertThat(reply.getLong("handle")).isEqualTo(42);
      assertThat(reply.getValue("removed")).isEqualTo(true);

      assertThat(redis.exists(prefix + "conn:{42}")).isFalse();
      assertThat(redis.smembers(prefix + "conn:active")).containsExactly("43");
      assertThat(redis.smembers(prefix + "player:{#5:1700000000000}")).isEmpty();
      assertThat(fail(Addresses.GET, handleBody(42)).failureCode()).isEqualTo(404);
      assertThat(send(Addresses.BY_PLAYER, new JsonObject().put("playerRef", "#5")).getJsonArray("handles")).isEmpty();
      assertThat(send(Addresses.LIST, new JsonObject()).getLong("total")).isEqualTo(1);
    }

    @Test
    @DisplayName("a disconnect of an unknown handle answers removed:false")
    void disconnectUnknown() {
      JsonObject reply = send(Addresses.DISCONNECT, handleBody(77));
      assertThat(reply.fieldNames()).containsExactlyInAnyOrder("handle", "removed");
      assertThat(reply.getLong("handle")).isEqualTo(77);
      assertThat(reply.getValue("removed")).isEqualTo(false);
      assertNothingStored();
    }

    @Test
    @DisplayName("a second disconnect answers removed:false")
    void disconnectTwice() {
      register(42);
      assertThat(send(Addresses.DISCONNECT, handleBody(42)).getValue("removed")).isEqualTo(true);
      assertThat(send(Addresses.DISCONNECT, handleBody(42)).getValue("removed")).isEqualTo(false);
      assertNothingStored();
    }

    @Test
    @DisplayName("a disconnect right after written-behind updates leaves no key behind")
    void disconnectAfterWriteBehind() {
      register(42);
      send(Addresses.UPDATE, updateBody(42, new JsonObject().put("WIDTH", "120")));
      send(Addresses.TOUCH, handleBody(42));
      assertThat(send(Addresses.DISCONNECT, handleBody(42)).getValue("removed")).isEqualTo(true);
      assertThat(redis.exists(keys.connection(42))).isFalse();
      assertThat(redis.smembers(keys.active())).isEmpty();
      assertThat(fail(Addresses.UPDATE, updateBody(42, new JsonObject().put("WIDTH", "80"))).failureCode())
          .isEqualTo(404);
      assertNothingStored();
    }
  }

  // ---------------------------------------------------------------- get

  @Nested
  @DisplayName("connstate.get")
  class Get {
    @Test
    @DisplayName("answers the connection of DESIGN §3, matching its hash")
    void gets() {
      liveOwners("connsrv-1");
      send(Addresses.REGISTER, registerBody(42).put("owner", "connsrv-1"));
      send(Addresses.BIND, bindBody(42, PLAYER));
      send(Addresses.UPDATE, updateBody(42, new JsonObject().put("WIDTH", "120")).put("critical", true));
      JsonObject c = get(42);
      assertConnection(c, 42, "LoggedIn", PLAYER, 3);
      assertThat(c.getString("owner")).isEqualTo("connsrv-1");
      assertThat(c.getJsonObject("metadata").getString("WIDTH")).isEqualTo("120");
      assertThat(redis.hgetall(keys.connection(42))).isEqualTo(expectedHash(c));
    }

    @Test
    @DisplayName("a get of an unknown handle answers 404 naming it")
    void getUnknown() {
      ReplyException failure = fail(Addresses.GET, handleBody(77));
      assertThat(failure.failureCode()).isEqualTo(404);
      assertThat(failure.getMessage()).contains("77");
    }
  }

  // ---------------------------------------------------------------- list

  @Nested
  @DisplayName("connstate.list")
  class ListCommand {
    /** Handles registered out of order; owner a or b; the bound ones log in. */
    private final List<Long> handles = List.of(1000L, 3L, 4000L, 10L, 25L, 9L, 100L);
    private final Set<Long> ownerB = Set.of(100L, 1000L, 4000L);
    private final Set<Long> bound = Set.of(9L, 25L, 1000L);

    private void registerAll() {
      liveOwners("a", "b");
      for (long h : handles) {
        send(Addresses.REGISTER, registerBody(h).put("owner", ownerB.contains(h) ? "b" : "a"));
        if (bound.contains(h)) {
          send(Addresses.BIND, bindBody(h, "#" + h));
        }
      }
    }

    @Test
    @DisplayName("with no connections answers {connections:[], cursor:null, total:0}")
    void empty() {
      JsonObject reply = send(Addresses.LIST, new JsonObject());
      assertThat(reply.fieldNames()).containsExactlyInAnyOrder("connections", "cursor", "total");
      assertThat(reply.getJsonArray("connections")).isEmpty();
      assertThat(reply.getValue("cursor")).isNull();
      assertThat(reply.getValue("total")).isInstanceOfAny(Integer.class, Long.class);
      assertThat(reply.getLong("total")).isZero();
    }

    @Test
    @DisplayName("without a limit answers every connection in handle order, each as get answers it")
    void listsAll() {
      registerAll();
      JsonObject reply = send(Addresses.LIST, new JsonObject());
      assertThat(handlesOf(reply)).containsExactly(3L, 9L, 10L, 25L, 100L, 1000L, 4000L);
      assertThat(reply.getValue("cursor")).isNull();
      assertThat(reply.getLong("total")).isEqualTo(7);
      for (Object c : reply.getJsonArray("connections")) {
        JsonObject connection = (JsonObject) c;
        long h = connection.getLong("handle");
        assertConnection(connection, h, bound.contains(h) ? "LoggedIn" : "Connected",
            bound.contains(h) ? "#" + h : null, bound.contains(h) ? 2 : 1);
        assertThat(connection).isEqualTo(get(h));
      }
    }

    @Test
    @DisplayName("the cursor walks every page in handle order; the last page's cursor is null")
    void pages() {
      registerAll();
      JsonObject page1 = send(Addresses.LIST, new JsonObject().put("limit", 3));
      assertThat(handlesOf(page1)).containsExactly(3L, 9L, 10L);
      assertThat(page1.getValue("cursor")).isInstanceOf(String.class);
      assertThat(page1.getLong("total")).isEqualTo(7);

      JsonObject page2 = send(Addresses.LIST, new JsonObject().put("limit", 3).put("cursor", page1.getString("cursor")));
      assertThat(handlesOf(page2)).containsExactly(25L, 100L, 1000L);
      assertThat(page2.getValue("cursor")).isInstanceOf(String.class);
      assertThat(page2.getLong("total")).isEqualTo(7);

      JsonObject page3 = send(Addresses.LIST, new JsonObject().put("limit", 3).put("cursor", page2.getString("cursor")));
      assertThat(handlesOf(page3)).containsExactly(4000L);
      assertThat(page3.containsKey("cursor")).isTrue();
      assertThat(page3.getValue("cursor")).isNull();
      assertThat(page3.getLong("total")).isEqualTo(7);
    }

    @Test
    @DisplayName("a page that ends at the last connection has cursor null")
    void exactLastPage() {
      registerAll();
      JsonObject reply = send(Addresses.LIST, new JsonObject().put("limit", 7));
      assertThat(handlesOf(reply)).hasSize(7);
      assertThat(reply.getValue("cursor")).isNull();
      assertThat(walk(new JsonObject().put("limit", 1))).containsExactly(3L, 9L, 10L, 25L, 100L, 1000L, 4000L);
    }

    @Test
    @DisplayName("a cursor stays valid after its connection disconnects")
    void cursorOfDisconnected() {
      registerAll();
      JsonObject page1 = send(Addresses.LIST, new JsonObject().put("limit", 3));
      send(Addresses.DISCONNECT, handleBody(10));
      JsonObject page2 = send(Addresses.LIST, new JsonObject().put("limit", 3).put("cursor", page1.getString("cursor")));
      assertThat(handlesOf(page2)).containsExactly(25L, 100L, 1000L);
      assertThat(page2.getLong("total")).isEqualTo(6);
      JsonObject beyond = send(Addresses.LIST, new JsonObject().put("cursor", "5000"));
      assertThat(beyond.getJsonArray("connections")).isEmpty();
      assertThat(beyond.getValue("cursor")).isNull();
      assertThat(beyond.getLong("total")).isEqualTo(6);
    }

    @Test
    @DisplayName("filters by state, by owner and by both, with total counting the matches")
    void filters() {
      registerAll();
      JsonObject loggedIn = send(Addresses.LIST, new JsonObject().put("state", "LoggedIn"));
      assertThat(handlesOf(loggedIn)).containsExactly(9L, 25L, 1000L);
      assertThat(loggedIn.getLong("total")).isEqualTo(3);

      JsonObject connected = send(Addresses.LIST, new JsonObject().put("state", "Connected"));
      assertThat(handlesOf(connected)).containsExactly(3L, 10L, 100L, 4000L);
      assertThat(connected.getLong("total")).isEqualTo(4);

      JsonObject ownerB = send(Addresses.LIST, new JsonObject().put("owner", "b"));
      assertThat(handlesOf(ownerB)).containsExactly(100L, 1000L, 4000L);
      assertThat(ownerB.getLong("total")).isEqualTo(3);

      JsonObject both = send(Addresses.LIST, new JsonObject().put("owner", "a").put("state", "Connected"));
      assertThat(handlesOf(both)).containsExactly(3L, 10L);
      assertThat(both.getLong("total")).isEqualTo(2);

      JsonObject nobody = send(Addresses.LIST, new JsonObject().put("owner", "c"));
      assertThat(nobody.getJsonArray("connections")).isEmpty();
      assertThat(nobody.getLong("total")).isZero();
    }

    @Test
    @DisplayName("a filtered walk pages over the matches only")
    void filteredPages() {
      registerAll();
      JsonObject page1 = send(Addresses.LIST, new JsonObject().put("state", "LoggedIn").put("limit", 2));
      assertThat(handlesOf(page1)).containsExactly(9L, 25L);
      assertThat(page1.getLong("total")).isEqualTo(3);
      JsonObject page2 = send(Addresses.LIST, new JsonObject().put("state", "LoggedIn").put("limit", 2)
          .put("cursor", page1.getString("cursor")));
      assertThat(handlesOf(page2)).containsExactly(1000L);
      assertThat(page2.getValue("cursor")).isNull();
      assertThat(walk(new JsonObject().put("owner", "b").put("limit", 1))).containsExactly(100L, 1000L, 4000L);
    }

    @Test
    @DisplayName("without a limit answers pages of 1000")
    void defaultLimit() {
      List<Future<JsonObject>> registered = new ArrayList<>();
      for (long h = 1; h <= 1001; h++) {
        registered.add(request(Addresses.REGISTER, registerBody(h)));
      }
      Await.result(Future.all(registered));
      JsonObject page1 = send(Addresses.LIST, new JsonObject());
      assertThat(page1.getJsonArray("connections")).hasSize(1000);
      assertThat(page1.getString("cursor")).isEqualTo("1000");
      assertThat(page1.getLong("total")).isEqualTo(1001);
      JsonObject page2 = send(Addresses.LIST, new JsonObject().put("cursor", page1.getString("cursor")));
      assertThat(handlesOf(page2)).containsExactly(1001L);
      assertThat(page2.getValue("cursor")).isNull();
      assertThat(redis.smembers(keys.active())).hasSize(1001);
    }

    @Test
    @DisplayName("accepts the largest limit")
    void largestLimit() {
      registerAll();
      assertThat(handlesOf(send(Addresses.LIST, new JsonObject().put("limit", 10_000)))).hasSize(7);
    }

    private List<Long> walk(JsonObject query) {
      List<Long> all = new ArrayList<>();
      String cursor = null;
      do {
        JsonObject q = query.copy();
        if (cursor != null) {
          q.put("cursor", cursor);
        }
        JsonObject page = send(Addresses.LIST, q);
        all.addAll(handlesOf(page));
        cursor = page.getString("cursor");
      } while (cursor != null && all.size() <= handles.size());
      return all;
    }
  }

  // ---------------------------------------------------------------- byPlayer

  @Nested
  @DisplayName("connstate.byPlayer")
  class ByPlayer {
    private void bindPlayers() {
      for (long h : List.of(1L, 2L, 3L, 4L, 5L)) {
        register(h);
      }
      send(Addresses.BIND, bindBody(1, "#5:1700000000000"));
      send(Addresses.BIND, bindBody(2, "#5:1800000000000"));
      send(Addresses.BIND, bindBody(3, "#6:1700000000000"));
      send(Addresses.BIND, bindBody(4, "#5"));
    }

    @Test
    @DisplayName("#N answers every handle bound to N, whatever the creation time, as {playerRef, handles}")
    void anyCreationTime() {
      bindPlayers();
      JsonObject reply = send(Addresses.BY_PLAYER, new JsonObject().put("playerRef", "#5"));
      assertThat(reply.fieldNames()).containsExactlyInAnyOrder("playerRef", "handles");
      assertThat(reply.getString("playerRef")).isEqualTo("#5");
      assertThat(longs(reply.getJsonArray("handles"))).containsExactly(1L, 2L, 4L);
    }

    @Test
    @DisplayName("#N:c answers only handles bound to exactly that creation time")
    void exactCreationTime() {
      bindPlayers();
      JsonObject reply = send(Addresses.BY_PLAYER, new JsonObject().put("playerRef", "#5:1700000000000"));
      assertThat(reply.getString("playerRef")).isEqualTo("#5:1700000000000");
      assertThat(longs(reply.getJsonArray("handles"))).containsExactly(1L);
      assertThat(longs(send(Addresses.BY_PLAYER, new JsonObject().put("playerRef", "#5:1800000000000"))
          .getJsonArray("handles"))).containsExactly(2L);
      assertThat(send(Addresses.BY_PLAYER, new JsonObject().put("playerRef", "#5:1900000000000"))
          .getJsonArray("handles")).isEmpty();
      assertThat(send(Addresses.BY_PLAYER, new JsonObject().put("playerRef", "#7")).getJsonArray("handles")).isEmpty();
    }

    @Test
    @DisplayName("each binding has its own player set in Redis")
    void playerSets() {
      bindPlayers();
      assertThat(redis.smembers(prefix + "player:{#5:1700000000000}")).containsExactly("1");
      assertThat(redis.smembers(prefix + "player:{#5:1800000000000}")).containsExactly("2");
      assertThat(redis.smembers(prefix + "player:{#6:1700000000000}")).containsExactly("3");
      assertThat(redis.smembers(prefix + "player:{#5}")).containsExactly("4");
      assertThat(redis.smembers(prefix + "conn:active")).containsExactlyInAnyOrder("1", "2", "3", "4", "5");
    }

    @Test
    @DisplayName("forgets handles that unbind or disconnect")
    void afterUnbindAndDisconnect() {
      bindPlayers();
      send(Addresses.UNBIND, handleBody(1));
      send(Addresses.DISCONNECT, handleBody(2));
      assertThat(longs(send(Addresses.BY_PLAYER, new JsonObject().put("playerRef", "#5")).getJsonArray("handles")))
          .containsExactly(4L);
      assertThat(redis.smembers(keys.player("#5:1700000000000"))).isEmpty();
      assertThat(redis.smembers(keys.player("#5:1800000000000"))).isEmpty();
    }
  }

  // ---------------------------------------------------------------- stats

  @Nested
  @DisplayName("connstate.stats")
  class Stats {
    @Test
    @DisplayName("answers counts by state, pending writes and the Redis status")
    void counts() {
      for (long h : List.of(1L, 2L, 3L)) {
        register(h);
      }
      send(Addresses.BIND, bindBody(2, PLAYER));
      Await.until("Redis UP and no pending writes", CONVERGE, () -> {
        JsonObject s = send(Addresses.STATS, new JsonObject());
        return s.getLong("pendingWrites") == 0 && "UP".equals(s.getJsonObject("redis").getString("status"));
      });
      JsonObject stats = send(Addresses.STATS, new JsonObject());
      assertThat(stats.fieldNames()).contains("byState", "pendingWrites", "redis");
      assertThat(byState(stats)).containsOnly(Map.entry("Connected", 2L), Map.entry("LoggedIn", 1L));
      assertThat(stats.getValue("pendingWrites")).isInstanceOfAny(Integer.class, Long.class);
      assertThat(stats.getLong("connections")).isEqualTo(3);

      send(Addresses.DISCONNECT, handleBody(2));
      send(Addresses.UNBIND, handleBody(1));
      JsonObject after = send(Addresses.STATS, new JsonObject());
      assertThat(byState(after)).containsOnly(Map.entry("Connected", 2L), Map.entry("LoggedIn", 0L));
      assertThat(after.getLong("connections")).isEqualTo(2);
    }

    private Map<String, Long> byState(JsonObject stats) {
      Map<String, Long> out = new HashMap<>();
      stats.getJsonObject("byState").forEach(e -> out.put(e.getKey(), ((Number) e.getValue()).longValue()));
      return out;
    }

    @Test
    @DisplayName("accepts an empty body or none")
    void emptyBody() {
      assertThat(send(Addresses.STATS, new JsonObject()).containsKey("byState")).isTrue();
      assertThat(send(Addresses.STATS, null).containsKey("byState")).isTrue();
    }
  }

  // ---------------------------------------------------------------- malformed bodies

  @Nested
  @DisplayName("every malformed body")
  class Malformed {
    @ParameterizedTest(name = "{0}: {1} answers 400 naming {3}")
    @MethodSource("dev.connstate.CommandBodies#malformed")
    @DisplayName("answers 400 naming the field and changes nothing")
    void answers400(String address, String what, Object body, String field) {
      JsonObject registered = register(42);
      Map<String, Object> before = snapshot();
      ReplyException failure = fail(address, body);
      assertThat(failure.failureCode()).as(failure.getMessage()).isEqualTo(400);
      assertThat(failure.getMessage()).matches(namesField(field));
      assertThat(snapshot()).isEqualTo(before);
      assertThat(get(42)).isEqualTo(registered);
    }
  }
}
