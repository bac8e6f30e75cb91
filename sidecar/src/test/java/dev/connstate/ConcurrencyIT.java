package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.protocol.Addresses;
import dev.connstate.testing.Await;
import dev.connstate.testing.RawBridge;
import dev.connstate.testing.TestRedis;
import dev.connstate.testing.TestSidecar;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("Concurrent writers to one handle")
class ConcurrencyIT {
  static final int KEYS = 1_000;
  static final int BRIDGE_CLIENTS = 4;
  static final int EVENT_BUS_CLIENTS = 2;
  @RegisterExtension
  static final TestRedis redis = TestRedis.perClass();

  @Test
  @DisplayName("1,000 concurrent updates of 1,000 distinct keys to one handle, through several clients at once, "
      + "are all present afterwards, in the sidecar and in Redis")
  void noUpdateIsLost() throws Exception {
    // 1,000 keys on one connection: past the default limits.maxMetadataKeys (256), raised here
    JsonObject roomy = new JsonObject().put("limits", new JsonObject().put("maxMetadataKeys", 2_000)
        .put("maxMetadataBytes", 1_048_576));
    try (TestSidecar sidecar = TestSidecar.start(redis, TestSidecar.newPrefix("concurrency"), "concurrency", roomy)) {
      long handle = 4242;
      Await.result(sidecar.client().register(handle, "10.0.0.2:2", "host", "websocket"));
      int writers = BRIDGE_CLIENTS + EVENT_BUS_CLIENTS;
      CountDownLatch start = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(writers);
      List<java.util.concurrent.Future<Integer>> done = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int writer = w;
        Callable<Integer> job = writer < BRIDGE_CLIENTS
            ? () -> viaBridge(sidecar.bridgePort(), handle, writer, writers, start)
            : () -> viaEventBus(sidecar, handle, writer, writers, start);
        done.add(pool.submit(job));
      }
      start.countDown();
      int sent = 0;
      for (java.util.concurrent.Future<Integer> f : done) {
        sent += f.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();
      assertThat(sent).isEqualTo(KEYS);

      // a critical update is answered only after every earlier write of the handle is stored
      Await.result(sidecar.client().updateCritical(handle, Map.of("DONE", "1")));
      Map<String, String> metadata = Await.result(sidecar.client().get(handle)).metadata();
      Map<String, String> hash = redis.hgetall(sidecar.keys().connection(handle));
      for (int k = 0; k < KEYS; k++) {
        assertThat(metadata).containsEntry("K" + k, "v" + k);
        assertThat(hash).containsEntry("meta:K" + k, "v" + k);
      }
    }
  }

  private static int viaBridge(int port, long handle, int writer, int writers, CountDownLatch start) throws Exception {
    try (RawBridge bridge = new RawBridge(port)) {
      start.await();
      List<String> replies = new ArrayList<>();
      for (int k = writer; k < KEYS; k += writers) {
        replies.add(bridge.send(Addresses.UPDATE, new JsonObject().put("handle", handle)
            .put("metadata", new JsonObject().put("K" + k, "v" + k))));
      }
      for (String reply : replies) {
        assertThat(bridge.awaitReply(reply).getString("type")).isEqualTo("message");
      }
      return replies.size();
    }
  }

  private static int viaEventBus(TestSidecar sidecar, long handle, int writer, int writers, CountDownLatch start)
      throws Exception {
    start.await();
    List<Future<?>> replies = new ArrayList<>();
    for (int k = writer; k < KEYS; k += writers) {
      replies.add(sidecar.client().update(handle, Map.of("K" + k, "v" + k)));
    }
    Await.result(Future.all(replies));
    return replies.size();
  }
}
