package dev.connstate.ingress.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.connstate.config.ConfigException;
import dev.connstate.config.ConfigLoader;
import dev.connstate.testing.TestCerts;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import javax.net.ssl.SSLHandshakeException;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Bridge TLS")
class BridgeTlsTest {

  @Test
  @DisplayName("a certificate's subject names the client by its one CN, whatever else the subject holds")
  void commonName() {
    assertThat(BridgeTls.commonName(new X500Principal("CN=game-1"))).contains("game-1");
    assertThat(BridgeTls.commonName(new X500Principal("CN=game-1, OU=Games, O=Example, C=DE"))).contains("game-1");
    assertThat(BridgeTls.commonName(new X500Principal("O=Example, CN=game-1"))).contains("game-1");
    assertThat(BridgeTls.commonName(new X500Principal("CN=a\\,b"))).contains("a,b");
  }

  @Test
  @DisplayName("a subject without a CN, or with two, names no client")
  void noSingleCommonName() {
    assertThat(BridgeTls.commonName(new X500Principal("O=Example"))).isEmpty();
    assertThat(BridgeTls.commonName(new X500Principal("CN=game-1, CN=admin"))).isEmpty();
  }

  @Test
  @DisplayName("a failed handshake is described without the bytes a plain client sent (they may hold its token)")
  void handshakeFailure() {
    String hexDumpOfAToken = "0000002e7b2274797065223a2273656e64222c22746f6b656e223a22";
    assertThat(BridgeTls.handshakeFailure(new DecoderException(new NotSslRecordException("not an SSL/TLS record: "
        + hexDumpOfAToken)))).isEqualTo("the client does not speak TLS: a plain TCP client?")
        .doesNotContain(hexDumpOfAToken);
    assertThat(BridgeTls.handshakeFailure(new SslHandshakeTimeoutException("handshake timed out after 5000ms")))
        .contains("bridge.authTimeoutMs");
    assertThat(BridgeTls.handshakeFailure(new SSLHandshakeException("Empty client certificate chain")))
        .isEqualTo("Empty client certificate chain");
    assertThat(BridgeTls.handshakeFailure(new IllegalStateException("secret"))).isEqualTo("IllegalStateException");
  }

  @Test
  @DisplayName("client certificates without configured clients are refused at start: every client would be refused")
  void clientCaNeedsClients() {
    JsonObject tls = new JsonObject().put("certFile", TestCerts.path(TestCerts.SERVER))
        .put("keyFile", TestCerts.path(TestCerts.SERVER_KEY)).put("clientCaFile", TestCerts.path(TestCerts.CA));
    var settings = new ConfigLoader().load(null, Map.of("CONNSTATE_INSTANCE_ID", "t"),
        new JsonObject().put("bridge", new JsonObject().put("tls", tls))).bridge();
    assertThatThrownBy(() -> BridgeTls.of(settings, ClientRegistry.load(settings)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CONNSTATE_BRIDGE_TLS_CLIENT_CA_FILE").hasMessageContaining("CONNSTATE_BRIDGE_CLIENTS");
  }
}
