package dev.connstate.ingress.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.connstate.config.ConfigException;
import dev.connstate.config.ConfigLoader;
import dev.connstate.config.SidecarConfig;
import dev.connstate.protocol.Addresses;
import dev.connstate.protocol.Role;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Bridge clients: who may connect, as what")
class ClientRegistryTest {
  @TempDir
  Path dir;

  static String sha256(String token) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest(token.getBytes(StandardCharsets.UTF_8)));
  }

  private static SidecarConfig.BridgeSettings settings(JsonObject bridge) {
    return new ConfigLoader().load(null, Map.of(), new JsonObject().put("instanceId", "t").put("bridge", bridge))
        .bridge();
  }

  @Test
  @DisplayName("a token authenticates as the client whose digest it matches, from the config and from the file")
  void byToken() throws Exception {
    Path file = dir.resolve("clients");
    Files.writeString(file, "# mounted secret\n\ngame-1 game-server " + sha256("game-token") + "\n");
    ClientRegistry clients = ClientRegistry.load(settings(new JsonObject()
        .put("clients", new JsonArray().add("conn-1 connection-server " + sha256("conn-token")))
        .put("clientsFile", file.toString())));
    assertThat(clients.byToken("conn-token")).contains(new Principal("conn-1", Role.CONNECTION_SERVER));
    assertThat(clients.byToken("game-token")).contains(new Principal("game-1", Role.GAME_SERVER));
    assertThat(clients.byToken("game-token ")).isEmpty();
    assertThat(clients.byToken("")).isEmpty();
    assertThat(clients.byName("game-1")).contains(new Principal("game-1", Role.GAME_SERVER));
    assertThat(clients.open()).isFalse();
  }

  @Test
  @DisplayName("a bad line names the file, the line and what is wrong; a token where its digest belongs is refused")
  void badLines() throws Exception {
    Path file = dir.resolve("clients");
    Files.writeString(file, "game-1 game-server " + sha256("x") + "\nwizard-1 wizard " + sha256("y") + "\n");
    assertThatThrownBy(() -> ClientRegistry.load(settings(new JsonObject().put("clientsFile", file.toString()))))
        .isInstanceOf(ConfigException.class).hasMessageContaining(file + " line 2").hasMessageContaining("wizard");
    assertThatThrownBy(() -> settings(new JsonObject().put("clients", new JsonArray().add("a admin my-plain-token"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("64 hex digits")
        .hasMessageNotContaining("my-plain-token");
  }

  @Test
  @DisplayName("without clients the bridge is open, and must listen on loopback unless told otherwise")
  void safeByDefault() {
    SidecarConfig.BridgeSettings exposed = settings(new JsonObject().put("host", "0.0.0.0"));
    assertThatThrownBy(() -> new BridgeServer(exposed, new dev.connstate.ops.Metrics(
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry()), null, SessionTies.NONE))
        .isInstanceOf(ConfigException.class).hasMessageContaining("CONNSTATE_BRIDGE_CLIENTS")
        .hasMessageContaining("CONNSTATE_BRIDGE_ALLOW_UNAUTHENTICATED");
    assertThat(ClientRegistry.load(settings(new JsonObject())).open()).isTrue();
  }

  @Test
  @DisplayName("roles enforce who owns what: the connection server cannot bind, the game server cannot disconnect")
  void roles() {
    assertThat(Role.CONNECTION_SERVER.allows(Addresses.REGISTER)).isTrue();
    assertThat(Role.CONNECTION_SERVER.allows(Addresses.BIND)).isFalse();
    assertThat(Role.GAME_SERVER.allows(Addresses.BIND)).isTrue();
    assertThat(Role.GAME_SERVER.allows(Addresses.DISCONNECT)).isFalse();
    assertThat(Role.OBSERVER.allows(Addresses.UPDATE)).isFalse();
    assertThat(Role.OBSERVER.allows(Addresses.LIST)).isTrue();
    assertThat(Addresses.COMMANDS).allMatch(Role.ADMIN::allows);
    assertThat(Role.values()).allMatch(r -> r.allows(Addresses.AUTH));
  }
}
