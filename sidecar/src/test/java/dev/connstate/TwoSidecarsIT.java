package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.client.Connection;
import dev.connstate.client.ConnectionEvent;
import dev.connstate.client.EventSubscription;
import dev.connstate.testing.Await;
import dev.connstate.testing.TestRedis;
import dev.connstate.testing.TestSidecar;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Two sidecars on one Redis")
class TwoSidecarsIT {
  @RegisterExtension
  static final TestRedis redis = TestRedis.perClass();
  TestSidecar a;
  TestSidecar b;

  @BeforeEach
  void startSidecars() {
    String prefix = TestSidecar.newPrefix("two");
    a = TestSidecar.start(redis, prefix, "sidecar-a");
    b = TestSidecar.start(redis, prefix, "sidecar-b");
  }

  @AfterEach
  void stopSidecars() {
    a.close();
    b.close();
  }

  @Test
  @DisplayName("a change sent to A is visible in B's get and arrives on B's connstate.events within one second")
  void changeReachesTheOtherSidecar() throws Exception {
    CompletableFuture<ConnectionEvent> seenByB = new CompletableFuture<>();
    EventSubscription consumer = b.client().rawEvents(e -> {
      if (e.handle() == 11 && "bound".equals(e.type())) {
        seenByB.complete(e);
      }
    });
    Await.result(consumer.ready());
    Await.result(a.client().register(11, "198.51.100.7:4000", "client.example", "telnet"));

    long sent = System.nanoTime();
    Await.result(a.client().bind(11, "#5:1700000000000"));
    ConnectionEvent event = seenByB.get(1, TimeUnit.SECONDS);
    assertThat(Duration.ofNanos(System.nanoTime() - sent)).isLessThan(Duration.ofSeconds(1));
    assertThat(event.origin()).isEqualTo("sidecar-a");
    assertThat(event.changes()).isEqualTo(new JsonObject().put("state", "LoggedIn").put("playerRef", "#5:1700000000000"));
    Connection inB = Await.result(b.client().get(11));
    assertThat(inB.state()).isEqualTo("LoggedIn");
    assertThat(inB.playerRef()).isEqualTo("#5:1700000000000");
    assertThat(inB.owner()).isEqualTo("sidecar-a");
    assertThat(Await.result(b.client().byPlayer("#5"))).containsExactly(11L);
    Await.result(consumer.unregister());
  }

  @Test
  @DisplayName("every change is published exactly once on each sidecar's connstate.events, its own and the other's")
  void eachSidecarRepublishesEveryChangeOnce() throws Exception {
    List<ConnectionEvent> inA = new CopyOnWriteArrayList<>();
    List<ConnectionEvent> inB = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> aDone = new CompletableFuture<>();
    CompletableFuture<Void> bDone = new CompletableFuture<>();
    EventSubscription ca = a.client().rawEvents(e -> record(inA, e, aDone));
    EventSubscription cb = b.client().rawEvents(e -> record(inB, e, bDone));
    Await.result(ca.ready());
    Await.result(cb.ready());

    Await.result(a.client().register(21, "10.0.0.1:1", "h", "telnet"));
    Await.result(b.client().updateCritical(21, Map.of("GMCP", "1")));
    Await.result(a.client().bind(21, "#9"));
    Await.result(b.client().unbind(21));
    Await.result(a.client().disconnect(21, "quit"));

    aDone.get(5, TimeUnit.SECONDS);
    bDone.get(5, TimeUnit.SECONDS);
    List<String> expected = List.of("registered:1", "updated:2", "bound:3", "unbound:4", "disconnected:5");
    assertThat(inA).extracting(e -> e.type() + ":" + e.version()).containsExactlyElementsOf(expected);
    assertThat(inB).extracting(e -> e.type() + ":" + e.version()).containsExactlyElementsOf(expected);
    assertThat(inA).extracting(ConnectionEvent::origin)
        .containsExactly("sidecar-a", "sidecar-b", "sidecar-a", "sidecar-b", "sidecar-a");
    assertThat(Await.failure(b.client().get(21)).failureCode()).isEqualTo(404);
    Await.result(ca.unregister());
    Await.result(cb.unregister());
  }

  private static void record(List<ConnectionEvent> log, ConnectionEvent e, CompletableFuture<Void> done) {
    if (e.handle() == 21) {
      log.add(e);
      if ("disconnected".equals(e.type())) {
        done.complete(null);
      }
    }
  }

  @Test
  @DisplayName("a connection registered through A can be bound, updated and read through B at once, "
      + "before A's event reaches B")
  void otherSidecarActsAtOnce() {
    for (long h = 500; h < 700; h++) {
      Await.result(a.client().register(h, "10.0.0.5:" + h, "h", "telnet"));
      assertThat(Await.result(b.client().bind(h, "#" + h)).playerRef()).isEqualTo("#" + h);
    }
    for (long h = 700; h < 900; h++) {
      Await.result(a.client().register(h, "10.0.0.5:" + h, "h", "telnet"));
      assertThat(Await.result(b.client().update(h, Map.of("W", "1"))).persisted()).isFalse();
      assertThat(Await.result(b.client().get(h)).metadata()).containsEntry("W", "1");
    }
    for (long h = 500; h < 520; h++) {
      Await.result(a.client().disconnect(h, "quit"));
      assertThat(Await.result(b.client().register(h, "10.0.0.6:" + h, "h2", "websocket")).created())
          .as("B registers anew what A just disconnected").isTrue();
    }
  }

  @Test
  @DisplayName("concurrent changes to one handle through both sidecars converge: A, B and Redis agree")
  void concurrentChangesConverge() {
    long handle = 31;
    Await.result(a.client().register(handle, "10.0.0.3:3", "h", "websocket"));
    Await.until("B knows the handle", Duration.ofSeconds(5),
        () -> Await.result(b.client().get(handle).map(c -> true).otherwise(false)));
    List<Future<?>> all = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      all.add(a.client().update(handle, Map.of("SHARED", "a" + i, "A" + (i % 50), Integer.toString(i))));
      all.add(b.client().update(handle, Map.of("SHARED", "b" + i, "B" + (i % 50), Integer.toString(i))));
    }
    Await.result(Future.all(all));
    Await.result(a.client().updateCritical(handle, Map.of("FENCE", "a")));
    Await.result(b.client().updateCritical(handle, Map.of("FENCE", "b")));

    Map<String, String> stored = redis.hgetall(a.keys().connection(handle));
    Await.until("A and B show what Redis holds", Duration.ofSeconds(5), () -> {
      Connection inA = Await.result(a.client().get(handle));
      Connection inB = Await.result(b.client().get(handle));
      return inA.metadata().equals(inB.metadata()) && inA.version() == inB.version()
          && Long.toString(inA.version()).equals(stored.get("version"))
          && "b".equals(inA.metadata().get("FENCE"));
    });
    Connection inA = Await.result(a.client().get(handle));
    for (Map.Entry<String, String> e : inA.metadata().entrySet()) {
      assertThat(stored).containsEntry("meta:" + e.getKey(), e.getValue());
    }
    for (int k = 0; k < 50; k++) {
      assertThat(inA.metadata()).containsEntry("A" + k, Integer.toString(450 + k))
          .containsEntry("B" + k, Integer.toString(450 + k));
    }
  }
}
