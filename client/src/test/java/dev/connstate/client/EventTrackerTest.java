package dev.connstate.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class EventTrackerTest {
  private final List<ConnectionEvent> delivered = new ArrayList<>();
  private final Map<Long, Promise<JsonObject>> reads = new HashMap<>();
  private final EventTracker tracker = new EventTracker(handle -> {
    Promise<JsonObject> read = Promise.promise();
    reads.put(handle, read);
    return read.future();
  }, delivered::add);

  private static JsonObject event(String type, long handle, long version) {
    return new JsonObject().put("type", type).put("handle", handle).put("version", version)
        .put("changes", new JsonObject()).put("origin", "sidecar-a").put("at", 1L);
  }

  private static JsonObject connection(long handle, long version) {
    return new JsonObject().put("handle", handle).put("state", "Connected").put("ipAddress", "ip").put("hostname", "h")
        .put("connectionType", "telnet").put("owner", "sidecar-a").put("connectedAt", 1L).put("lastSeen", 2L)
        .put("version", version).put("metadata", new JsonObject());
  }

  private List<String> seen() {
    return delivered.stream().map(e -> e.type() + " " + e.handle() + "@" + e.version()).toList();
  }

  @Test
  @DisplayName("consecutive versions are delivered; a version at or below the last is a dropped duplicate")
  void inOrderAndDuplicates() {
    tracker.accept(event("registered", 1, 1));
    tracker.accept(event("bound", 1, 2));
    tracker.accept(event("bound", 1, 2));
    tracker.accept(event("updated", 1, 1));
    tracker.accept(event("updated", 1, 3));
    assertThat(seen()).containsExactly("registered 1@1", "bound 1@2", "updated 1@3");
    assertThat(tracker.duplicates()).isEqualTo(2);
    assertThat(reads).isEmpty();
  }

  @Test
  @DisplayName("a version gap re-reads the handle and delivers the snapshot; events meanwhile wait and follow the rules")
  void gapRereads() {
    tracker.accept(event("registered", 1, 1));
    tracker.accept(event("updated", 1, 4));
    tracker.accept(event("updated", 1, 5));
    tracker.accept(event("updated", 1, 6));
    assertThat(seen()).containsExactly("registered 1@1");
    reads.get(1L).complete(connection(1, 5));
    assertThat(seen()).containsExactly("registered 1@1", "reread 1@5", "updated 1@6");
    ConnectionEvent reread = delivered.get(1);
    assertThat(reread.reread()).isTrue();
    assertThat(reread.snapshot().version()).isEqualTo(5);
    assertThat(reread.snapshot().connectionType()).isEqualTo("telnet");
    assertThat(tracker.rereads()).isEqualTo(1);
  }

  @Test
  @DisplayName("an unknown handle's event re-reads it; a 404 is delivered as gone")
  void unknownHandleGone() {
    tracker.accept(event("updated", 7, 3));
    reads.get(7L).fail(new NotFoundException("no connection with handle 7"));
    assertThat(seen()).containsExactly("gone 7@0");
    assertThat(delivered.get(0).removes()).isTrue();
  }

  @Test
  @DisplayName("registered starts a new lifetime at 1 whatever the last version; disconnected forgets the handle")
  void newLifetime() {
    tracker.accept(event("registered", 2, 1));
    tracker.accept(event("updated", 2, 2));
    tracker.accept(event("disconnected", 2, 3));
    tracker.accept(event("registered", 2, 1));
    tracker.accept(event("bound", 2, 2));
    assertThat(seen()).containsExactly("registered 2@1", "updated 2@2", "disconnected 2@3", "registered 2@1",
        "bound 2@2");
  }

  @Test
  @DisplayName("after a reconnect the next event of a known handle re-reads it, even when its version looks next")
  void afterReconnect() {
    tracker.accept(event("registered", 3, 1));
    tracker.accept(event("updated", 3, 2));
    tracker.reconnected();
    // while away: disconnected (3), registered (1) — the next event seen, version 2, is no duplicate
    tracker.accept(event("bound", 3, 2));
    assertThat(reads).containsKey(3L);
    reads.get(3L).complete(connection(3, 2));
    assertThat(seen()).containsExactly("registered 3@1", "updated 3@2", "reread 3@2");
  }

  @Test
  @DisplayName("a failed re-read delivers nothing and the next event of the handle re-reads again")
  void failedReread() {
    tracker.accept(event("updated", 4, 9));
    reads.remove(4L).fail(new UnavailableException("down"));
    assertThat(delivered).isEmpty();
    tracker.accept(event("updated", 4, 10));
    assertThat(reads).containsKey(4L);
  }

  @Test
  @DisplayName("a sidecar's resync flag is kept on the event")
  void resyncFlag() {
    tracker.accept(event("registered", 5, 3).put("resync", true));
    assertThat(delivered).singleElement().extracting(ConnectionEvent::resync).isEqualTo(true);
  }
}
