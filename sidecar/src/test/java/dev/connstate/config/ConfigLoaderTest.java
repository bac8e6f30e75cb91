package dev.connstate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Configuration")
class ConfigLoaderTest {

  @Test
  @DisplayName("every key has the environment variable DESIGN §6 names: CONNSTATE_ plus its path in upper snake case")
  void environmentNames() {
    assertThat(ConfigLoader.envName("redis.url")).isEqualTo("CONNSTATE_REDIS_URL");
    assertThat(ConfigLoader.envName("redis.mode")).isEqualTo("CONNSTATE_REDIS_MODE");
    assertThat(ConfigLoader.envName("bridge.port")).isEqualTo("CONNSTATE_BRIDGE_PORT");
    assertThat(ConfigLoader.envName("http.port")).isEqualTo("CONNSTATE_HTTP_PORT");
    assertThat(ConfigLoader.envName("instanceId")).isEqualTo("CONNSTATE_INSTANCE_ID");
    assertThat(ConfigLoader.envName("keyPrefix")).isEqualTo("CONNSTATE_KEY_PREFIX");
    assertThat(ConfigLoader.envName("store.schema")).isEqualTo("CONNSTATE_STORE_SCHEMA");
    assertThat(ConfigLoader.envName("criticalTimeoutMs")).isEqualTo("CONNSTATE_CRITICAL_TIMEOUT_MS");
    assertThat(ConfigLoader.envName("redis.maxPoolSize")).isEqualTo("CONNSTATE_REDIS_MAX_POOL_SIZE");
  }

  @Test
  @DisplayName("the shipped defaults are those of DESIGN §6")
  void defaults() {
    SidecarConfig c = new ConfigLoader().load(null, Map.of("CONNSTATE_INSTANCE_ID", "x"), null);
    assertThat(c.redis().url()).isNull();
    assertThat(c.redis().embedded()).isTrue();
    assertThat(c.redis().mode()).isEqualTo(SidecarConfig.RedisMode.STANDALONE);
    assertThat(c.bridge().port()).isEqualTo(7000);
    assertThat(c.http().port()).isEqualTo(8080);
    assertThat(c.keyPrefix()).isEqualTo("sharpmush:");
    assertThat(c.schema()).isEqualTo(SidecarConfig.StoreSchema.HASH);
    assertThat(c.criticalTimeoutMs()).isEqualTo(2000);
    assertThat(c.connectionTtlMs()).isEqualTo(86_400_000);
    assertThat(c.limits()).isEqualTo(new Limits(128, 4096, 64, 255, 1000, 10_000, 256, 65_536, 1_048_576));
  }

  @Test
  @DisplayName("environment variables override the file, with their types")
  void environmentOverrides(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("c.json");
    Files.writeString(file, new JsonObject().put("bridge", new JsonObject().put("port", 7100)).encode());
    SidecarConfig c = new ConfigLoader().load(file, Map.of(
        "CONNSTATE_INSTANCE_ID", "game-1",
        "CONNSTATE_REDIS_URL", "redis://redis.internal:16379/2",
        "CONNSTATE_REDIS_MODE", "cluster",
        "CONNSTATE_BRIDGE_PORT", "0",
        "CONNSTATE_CRITICAL_METADATA_KEYS", "GMCP, MSDP",
        "CONNSTATE_KEY_PREFIX", "game:"), null);
    assertThat(c.instanceId()).isEqualTo("game-1");
    assertThat(c.redis().url()).isEqualTo("redis://redis.internal:16379/2");
    assertThat(c.redis().mode()).isEqualTo(SidecarConfig.RedisMode.CLUSTER);
    assertThat(c.bridge().port()).isZero();
    assertThat(c.criticalMetadataKeys()).containsExactlyInAnyOrder("GMCP", "MSDP");
    assertThat(c.keyPrefix()).isEqualTo("game:");
  }

  @Test
  @DisplayName("a key the defaults do not have is an error naming it, not a silent default")
  void unknownKey(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("c.json");
    Files.writeString(file, "{\"bridge\": {\"prot\": 7001}}");
    assertThatThrownBy(() -> new ConfigLoader().load(file, Map.of(), null))
        .isInstanceOf(ConfigException.class).hasMessageContaining("bridge.prot");
  }

  @Test
  @DisplayName("a value of the wrong type or range names the key and its variable")
  void badValues() {
    assertThatThrownBy(() -> new ConfigLoader().load(null, Map.of("CONNSTATE_BRIDGE_PORT", "seven"), null))
        .isInstanceOf(ConfigException.class).hasMessageContaining("CONNSTATE_BRIDGE_PORT").hasMessageContaining("seven");
    assertThatThrownBy(() -> new ConfigLoader().load(null, Map.of("CONNSTATE_HTTP_PORT", "70000"), null))
        .isInstanceOf(ConfigException.class).hasMessageContaining("http.port").hasMessageContaining("65535");
    assertThatThrownBy(() -> new ConfigLoader().load(null, Map.of("CONNSTATE_REDIS_MODE", "galaxy"), null))
        .isInstanceOf(ConfigException.class).hasMessageContaining("standalone, sentinel, cluster");
    assertThatThrownBy(() -> new ConfigLoader().load(null, Map.of("CONNSTATE_KEY_PREFIX", "a{b}"), null))
        .isInstanceOf(ConfigException.class).hasMessageContaining("keyPrefix");
  }

  @Test
  @DisplayName("an unknown CONNSTATE_ variable is reported as a warning")
  void unknownVariable() {
    ConfigLoader loader = new ConfigLoader();
    loader.load(null, Map.of("CONNSTATE_BRIDGE_PROT", "1", "CONNSTATE_INSTANCE_ID", "x"), null);
    assertThat(loader.warnings()).singleElement().asString().contains("CONNSTATE_BRIDGE_PROT");
  }
}
