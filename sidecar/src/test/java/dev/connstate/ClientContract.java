package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.client.BadRequestException;
import dev.connstate.client.ConflictException;
import dev.connstate.client.ConnStateClient;
import dev.connstate.client.ConnStateException;
import dev.connstate.client.Connection;
import dev.connstate.client.ConnectionEvent;
import dev.connstate.client.ConnectionPage;
import dev.connstate.client.EventSubscription;
import dev.connstate.client.ListQuery;
import dev.connstate.client.NewConnection;
import dev.connstate.client.NotFoundException;
import dev.connstate.client.Registration;
import dev.connstate.client.TouchResult;
import dev.connstate.client.UpdateResult;
import dev.connstate.protocol.Addresses;
import dev.connstate.testing.Await;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What {@link ConnStateClient} promises, whatever the transport: every command of DESIGN §2 with
 * its typed reply, the failure codes as typed exceptions, and events with the rules of
 * docs/protocol.md §8.3. {@link ClientInProcessIT} runs it on the sidecar's event bus,
 * {@link ClientBridgeIT} over the TCP bridge of the packaged jar.
 */
abstract class ClientContract {
  /** The client session the bridge client announces; the contract registers a connection in it. */
  static final String SESSION = "contract-boot";
  private static final AtomicLong HANDLES = new AtomicLong(ThreadLocalRandom.current().nextLong(1, 1L << 40));

  /** The client under test, connected to a sidecar with an empty store. */
  abstract ConnStateClient client();

  static long nextHandle() {
    return HANDLES.incrementAndGet();
  }

  /** Events of one handle as a subscription delivers them, as {@code type@version} texts. */
  static final class Seen {
    final long handle;
    final List<ConnectionEvent> events = new CopyOnWriteArrayList<>();

    Seen(long handle) {
      this.handle = handle;
    }

    void accept(ConnectionEvent event) {
      if (event.handle() == handle) {
        events.add(event);
      }
    }

    List<String> texts() {
      return events.stream().map(e -> e.type() + "@" + e.version()).toList();
    }

    void awaitCount(int count) {
      Await.until(count + " events of handle " + handle + " (so far " + texts() + ")", Duration.ofSeconds(15),
          () -> events.size() >= count);
    }
  }

  @Test
  @DisplayName("every command answers its typed reply: register, bind, byPlayer, update, touch, get, list, stats, "
      + "unbind, disconnect")
  void everyCommand() {
    ConnStateClient client = client();
    long handle = nextHandle();
    long unknown = nextHandle();
    Registration created = Await.result(client.register(NewConnection.of(handle, "203.0.113.5:50122",
        "client.example.net", "telnet").withMetadata(Map.of("WIDTH", "80"))));
    assertThat(created.created()).isTrue();
    assertThat(created.connection().state()).isEqualTo("Connected");
    assertThat(created.connection().version()).isEqualTo(1);
    assertThat(created.connection().metadata()).containsEntry("WIDTH", "80").containsEntry("ConnectionType", "telnet")
        .containsEntry("HostName", "client.example.net").containsKeys("ConnectionStartTime", "LastConnectionSignal");
    assertThat(Await.result(client.register(handle, "198.51.100.1:1", "other", "websocket")).created()).isFalse();

    Connection bound = Await.result(client.bind(handle, "#5:1700000000000"));
    assertThat(bound.loggedIn()).isTrue();
    assertThat(bound.playerRef()).isEqualTo("#5:1700000000000");
    assertThat(Await.result(client.byPlayer("#5"))).contains(handle);

    UpdateResult behind = Await.result(client.update(handle, Map.of("CHARSET", "UTF-8")));
    assertThat(behind.persisted()).isFalse();
    UpdateResult stored = Await.result(client.updateCritical(handle, Map.of("HEIGHT", "40")));
    assertThat(stored.persisted()).isTrue();
    assertThat(stored.version()).isNotNull();
    Await.result(client.touch(handle));
    TouchResult touched = Await.result(client.touch(List.of(handle, unknown)));
    assertThat(touched.touched()).containsExactly(handle);
    assertThat(touched.unknown()).containsExactly(unknown);
    assertThat(touched.refused()).isEmpty();

    Connection read = Await.result(client.get(handle));
    assertThat(read.metadata()).containsEntry("CHARSET", "UTF-8").containsEntry("HEIGHT", "40");
    assertThat(read.ipAddress()).isEqualTo("203.0.113.5:50122");
    assertThat(listAll(client)).extracting(Connection::handle).contains(handle);
    JsonObject stats = Await.result(client.stats());
    assertThat(stats.getLong("connections")).isPositive();
    assertThat(stats.getJsonObject("redis").getString("status")).isEqualTo("UP");

    Connection unbound = Await.result(client.unbind(handle));
    assertThat(unbound.state()).isEqualTo("Connected");
    assertThat(unbound.playerRef()).isNull();
    assertThat(Await.result(client.disconnect(handle, "quit"))).isTrue();
    assertThat(Await.result(client.disconnect(handle, "quit"))).isFalse();
    assertThat(Await.failureOf(client.get(handle))).isInstanceOf(NotFoundException.class);
  }

  @Test
  @DisplayName("a connection registered in a client session carries it, and the session command counts it")
  void session() {
    ConnStateClient client = client();
    long handle = nextHandle();
    Registration registered = Await.result(client.register(NewConnection.of(handle, "203.0.113.7:4201",
        "203.0.113.7:4201", "telnet").withSession(SESSION)));
    assertThat(registered.connection().session()).isEqualTo(SESSION);
    assertThat(Await.result(client.session(SESSION)).session()).isEqualTo(SESSION);
    assertThat(Await.result(client.session(SESSION)).connections()).isPositive();
    Await.result(client.disconnect(handle, null));
  }

  @Test
  @DisplayName("failures arrive typed: 404 for an unknown handle, 409 for a conflicting bind, 400 naming the field")
  void typedFailures() {
    ConnStateClient client = client();
    long handle = nextHandle();
    Throwable missing = Await.failureOf(client.get(handle));
    assertThat(missing).isInstanceOf(NotFoundException.class).hasMessageContaining(Long.toString(handle));
    assertThat(((ConnStateException) missing).code()).isEqualTo(404);
    assertThat(((ConnStateException) missing).retryable()).isFalse();

    Await.result(client.register(handle, "203.0.113.9:1", "h", "telnet"));
    Await.result(client.bind(handle, "#5"));
    Throwable conflict = Await.failureOf(client.bind(handle, "#6"));
    assertThat(conflict).isInstanceOf(ConflictException.class).hasMessageContaining("unbind");
    assertThat(((ConnStateException) conflict).code()).isEqualTo(409);

    Throwable badRef = Await.failureOf(client.bind(handle, "player five"));
    assertThat(badRef).isInstanceOf(BadRequestException.class).hasMessageStartingWith("playerRef: ");
    assertThat(((BadRequestException) badRef).field()).isEqualTo("playerRef");
    Throwable badHandle = Await.failureOf(client.request(Addresses.GET, new JsonObject().put("handle", "43")));
    assertThat(((BadRequestException) badHandle).field()).isEqualTo("handle");
    Throwable unknownField = Await.failureOf(client.request(Addresses.GET, new JsonObject().put("hndle", 43)));
    assertThat(((BadRequestException) unknownField).field()).isEqualTo("hndle");
    Await.result(client.disconnect(handle, null));
  }

  @Test
  @DisplayName("a subscription receives each change of a connection once, in version order")
  void eventsInOrder() {
    ConnStateClient client = client();
    long handle = nextHandle();
    Seen seen = new Seen(handle);
    EventSubscription events = client.events(seen::accept);
    Await.result(events.ready());
    Await.result(client.register(handle, "203.0.113.5:1", "h", "telnet"));
    Await.result(client.bind(handle, "#5"));
    Await.result(client.updateCritical(handle, Map.of("WIDTH", "120")));
    Await.result(client.disconnect(handle, "quit"));
    seen.awaitCount(4);
    assertThat(seen.texts()).containsExactly("registered@1", "bound@2", "updated@3", "disconnected@4");
    assertThat(seen.events.get(3).changes().getString("reason")).isEqualTo("quit");
    assertThat(seen.events).noneMatch(ConnectionEvent::reread);
    Await.result(events.unregister());
  }

  @Test
  @DisplayName("the first event of a connection a subscription has not seen is answered by a re-read of it")
  void unknownHandleIsReread() {
    ConnStateClient client = client();
    long handle = nextHandle();
    // the register's own event must be out before the subscriptions below start: it travels
    // through Redis pub/sub and may arrive after the register's reply
    Seen registered = new Seen(handle);
    EventSubscription before = client.rawEvents(registered::accept);
    Await.result(before.ready());
    Await.result(client.register(handle, "203.0.113.5:2", "h", "telnet"));
    registered.awaitCount(1);
    Await.result(before.unregister());
    Seen seen = new Seen(handle);
    Seen raw = new Seen(handle);
    EventSubscription events = client.events(seen::accept);
    EventSubscription rawEvents = client.rawEvents(raw::accept);
    Await.result(events.ready());
    Await.result(rawEvents.ready());
    Await.result(client.bind(handle, "#8"));
    seen.awaitCount(1);
    ConnectionEvent reread = seen.events.get(0);
    assertThat(reread.type()).isEqualTo(ConnectionEvent.REREAD);
    assertThat(reread.snapshot().playerRef()).isEqualTo("#8");
    assertThat(reread.snapshot().version()).isEqualTo(2);
    Await.result(client.updateCritical(handle, Map.of("WIDTH", "100")));
    Await.result(client.disconnect(handle, null));
    seen.awaitCount(3);
    raw.awaitCount(3);
    assertThat(seen.texts()).containsExactly("reread@2", "updated@3", "disconnected@4");
    assertThat(raw.texts()).containsExactly("bound@2", "updated@3", "disconnected@4");
    Await.result(events.unregister());
    Await.result(rawEvents.unregister());
  }

  private static List<Connection> listAll(ConnStateClient client) {
    List<Connection> all = new ArrayList<>();
    ListQuery query = new ListQuery(null, null, null, 2);
    while (true) {
      ConnectionPage page = Await.result(client.list(query));
      all.addAll(page.connections());
      assertThat(page.total()).isGreaterThanOrEqualTo(all.size());
      if (page.cursor() == null) {
        return all;
      }
      query = query.withCursor(page.cursor());
    }
  }
}
