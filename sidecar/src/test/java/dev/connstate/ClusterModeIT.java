package dev.connstate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.boot.Sidecar;
import dev.connstate.client.Connection;
import dev.connstate.config.ConfigLoader;
import dev.connstate.testing.Await;
import dev.connstate.testing.TestRedisCluster;
import dev.connstate.testing.TestSidecar;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Redis Cluster mode (CONNSTATE_REDIS_MODE=cluster)")
class ClusterModeIT {
  static TestRedisCluster cluster;

  @BeforeAll
  static void startCluster() {
    cluster = new TestRedisCluster();
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  private static TestSidecar start(String prefix, String instanceId) {
    JsonObject overrides = new JsonObject()
        .put("instanceId", instanceId).put("keyPrefix", prefix)
        // a cluster of masters only: no replica can confirm a change (FailoverIT runs one with replicas)
        .put("redis", new JsonObject().put("url", cluster.url()).put("mode", "cluster").put("criticalReplicas", 0))
        .put("bridge", new JsonObject().put("port", 0))
        .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1"));
    return TestSidecar.of(Await.result(Sidecar.start(new ConfigLoader().load(null, Map.of(), overrides),
        cluster.url())));
  }

  @Test
  @DisplayName("connections spread over every node are stored, indexed, announced to the other sidecar, "
      + "and loaded again by a restarted sidecar")
  void fullLifecycleAcrossNodes() {
    String prefix = TestSidecar.newPrefix("cluster");
    int handles = 60;
    try (TestSidecar a = start(prefix, "cluster-a"); TestSidecar b = start(prefix, "cluster-b")) {
      List<Future<?>> all = new ArrayList<>();
      for (long h = 1; h <= handles; h++) {
        all.add(a.client().register(h, "10.9.0." + h + ":1", "h" + h, "telnet"));
      }
      Await.result(Future.all(all));
      for (long h = 1; h <= handles; h++) {
        Await.result(a.client().bind(h, "#" + (h % 7)));
        Await.result(a.client().update(h, Map.of("WIDTH", Long.toString(80 + h))));
      }
      Await.result(a.client().updateCritical(handles, Map.of("FENCE", "1")));
      Await.result(a.client().disconnect(1, "quit"));

      // events of different handles come from different nodes, unordered: wait for each fact
      List<Long> boundTo3 = java.util.stream.LongStream.rangeClosed(2, handles).filter(h -> h % 7 == 3).boxed()
          .toList();
      Await.until("B saw every change", Duration.ofSeconds(10), () -> {
        Connection last = Await.result(b.client().get(handles).otherwise((Connection) null));
        return last != null && "1".equals(last.metadata().get("FENCE"))
            && Await.result(b.client().byPlayer("#3")).equals(boundTo3)
            && Await.result(b.client().get(1).map(c -> false).otherwise(true));
      });
      assertThat(Await.result(b.client().get(2)).playerRef()).isEqualTo("#2");
      assertThat(Await.failure(b.client().get(1)).failureCode()).isEqualTo(404);
      assertThat(Await.result(b.client().byPlayer("#3"))).containsExactlyElementsOf(boundTo3);

      assertThat(members(prefix + "conn:active")).hasSize(handles - 1).doesNotContain("1");
      assertThat(members(prefix + "player:{#3}")).hasSize((int) java.util.stream.LongStream
          .rangeClosed(2, handles).filter(h -> h % 7 == 3).count());
      Response hash = cluster.call("HGET", prefix + "conn:{2}", "meta:WIDTH");
      assertThat(hash.toString()).isEqualTo("82");
    }
    try (TestSidecar restarted = start(prefix, "cluster-c")) {
      assertThat(Await.result(restarted.client().stats()).getLong("connections")).isEqualTo(handles - 1);
      assertThat(Await.result(restarted.client().get(10)).metadata()).containsEntry("WIDTH", "90");
    }
  }

  private static Set<String> members(String key) {
    Set<String> out = new HashSet<>();
    cluster.call("SMEMBERS", key).forEach(r -> out.add(r.toString()));
    return out;
  }
}
