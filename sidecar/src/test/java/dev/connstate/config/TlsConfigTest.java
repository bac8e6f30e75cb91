package dev.connstate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.connstate.testing.TestCerts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("TLS configuration (DESIGN §8)")
class TlsConfigTest {

  @Test
  @DisplayName("the TLS keys have their variables: CONNSTATE_BRIDGE_TLS_CERT_FILE, …_KEY_FILE, …_CLIENT_CA_FILE, "
      + "CONNSTATE_REDIS_TLS_CA_FILE")
  void environmentNames() {
    SidecarConfig c = load(Map.of(
        "CONNSTATE_BRIDGE_TLS_CERT_FILE", "/run/secrets/bridge.pem",
        "CONNSTATE_BRIDGE_TLS_KEY_FILE", "/run/secrets/bridge-key.pem",
        "CONNSTATE_BRIDGE_TLS_CLIENT_CA_FILE", "/run/secrets/clients-ca.pem",
        "CONNSTATE_REDIS_URL", "rediss://redis.internal:6380",
        "CONNSTATE_REDIS_TLS_CA_FILE", "/run/secrets/redis-ca.pem"));
    assertThat(c.bridge().tls()).isEqualTo(new SidecarConfig.TlsSettings("/run/secrets/bridge.pem",
        "/run/secrets/bridge-key.pem", "/run/secrets/clients-ca.pem"));
    assertThat(c.bridge().tls().enabled()).isTrue();
    assertThat(c.redis().tlsCaFile()).isEqualTo("/run/secrets/redis-ca.pem");
  }

  @Test
  @DisplayName("by default neither the bridge nor Redis uses TLS")
  void offByDefault() {
    SidecarConfig c = load(Map.of());
    assertThat(c.bridge().tls().enabled()).isFalse();
    assertThat(c.redis().tlsCaFile()).isNull();
  }

  @Test
  @DisplayName("a certificate without its key, or a client CA without TLS, is refused naming both variables")
  void incompleteBridgeTls() {
    assertThatThrownBy(() -> load(Map.of("CONNSTATE_BRIDGE_TLS_CERT_FILE", "/c.pem")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CONNSTATE_BRIDGE_TLS_CERT_FILE").hasMessageContaining("CONNSTATE_BRIDGE_TLS_KEY_FILE");
    assertThatThrownBy(() -> load(Map.of("CONNSTATE_BRIDGE_TLS_CLIENT_CA_FILE", "/ca.pem")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("bridge.tls.clientCaFile");
  }

  @Test
  @DisplayName("redis.tls.caFile with an endpoint that is not rediss:// (or with the embedded Redis) is refused: "
      + "the operator meant TLS")
  void caFileNeedsRediss() {
    for (String url : new String[] {"redis://r:6400", "rediss://a:6380,redis://b:6400"}) {
      assertThatThrownBy(() -> load(Map.of("CONNSTATE_REDIS_URL", url, "CONNSTATE_REDIS_TLS_CA_FILE", "/ca.pem")))
          .as(url).isInstanceOf(ConfigException.class)
          .hasMessageContaining("CONNSTATE_REDIS_TLS_CA_FILE").hasMessageContaining("rediss://");
    }
    assertThatThrownBy(() -> load(Map.of("CONNSTATE_REDIS_TLS_CA_FILE", "/ca.pem")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("redis.tls.caFile");
    assertThat(load(Map.of("CONNSTATE_REDIS_URL", "rediss://a:6380, rediss://b:6380",
        "CONNSTATE_REDIS_TLS_CA_FILE", "/ca.pem")).redis().tlsCaFile()).isEqualTo("/ca.pem");
  }

  @Test
  @DisplayName("a PEM file that cannot be read is named with its key, its variable and its path")
  void unreadableFile(@TempDir Path dir) {
    String missing = dir.resolve("absent.pem").toString();
    assertThatThrownBy(() -> PemFiles.trust("redis.tls.caFile", missing))
        .isInstanceOf(ConfigException.class)
        .hasMessage("redis.tls.caFile (CONNSTATE_REDIS_TLS_CA_FILE) file " + missing + " cannot be read: no such file");
    assertThatThrownBy(() -> PemFiles.trust("redis.tls.caFile", dir.toString()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CONNSTATE_REDIS_TLS_CA_FILE").hasMessageContaining(dir.toString());
  }

  @Test
  @DisplayName("a file without certificates, or a key file without a key, is refused without quoting the file")
  void malformedFiles(@TempDir Path dir) throws Exception {
    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate at all");
    assertThatThrownBy(() -> PemFiles.trust("bridge.tls.clientCaFile", garbage.toString()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CONNSTATE_BRIDGE_TLS_CLIENT_CA_FILE").hasMessageContaining(garbage.toString())
        .hasMessageNotContaining("not a certificate at all");
    String key = Files.readString(TestCerts.file(TestCerts.SERVER_KEY));
    String keyBody = key.lines().filter(l -> !l.startsWith("-----")).findFirst().orElseThrow();
    assertThatThrownBy(() -> PemFiles.keyCert("bridge.tls.certFile", TestCerts.path(TestCerts.SERVER_KEY),
        "bridge.tls.keyFile", TestCerts.path(TestCerts.SERVER_KEY)))
        .as("a private key where the certificate belongs").isInstanceOf(ConfigException.class)
        .hasMessageContaining("bridge.tls.certFile").hasMessageNotContaining(keyBody);
    assertThatThrownBy(() -> PemFiles.keyCert("bridge.tls.certFile", TestCerts.path(TestCerts.SERVER),
        "bridge.tls.keyFile", TestCerts.path(TestCerts.SERVER)))
        .as("a certificate where the key belongs").isInstanceOf(ConfigException.class)
        .hasMessageContaining("bridge.tls.keyFile (CONNSTATE_BRIDGE_TLS_KEY_FILE)")
        .hasMessageContaining("does not hold a PEM private key");
  }

  @Test
  @DisplayName("the test certificates load: the server's key pair and the CA")
  void validFiles() {
    assertThat(PemFiles.keyCert("bridge.tls.certFile", TestCerts.path(TestCerts.SERVER), "bridge.tls.keyFile",
        TestCerts.path(TestCerts.SERVER_KEY)).getCertValues()).hasSize(1);
    assertThat(PemFiles.trust("redis.tls.caFile", TestCerts.path(TestCerts.CA)).getCertValues()).hasSize(1);
  }

  private static SidecarConfig load(Map<String, String> env) {
    Map<String, String> all = new HashMap<>(env);
    all.put("CONNSTATE_INSTANCE_ID", "tls-test");
    return new ConfigLoader().load(null, all, null);
  }
}
