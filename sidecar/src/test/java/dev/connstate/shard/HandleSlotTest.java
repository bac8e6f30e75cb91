package dev.connstate.shard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.model.ConnectionRecord;
import dev.connstate.model.FieldChange;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A handle's committed state and view")
class HandleSlotTest {
  HandleSlot slot;

  @BeforeEach
  void registered() {
    slot = new HandleSlot(1);
    ConnectionRecord record = ConnectionRecord.create(1, "ip", "host", "telnet", "me", 1000, Map.of());
    record.version(1);
    slot.commit(record);
  }

  private static FieldChange meta(String key, String value) {
    return FieldChange.empty().metadata(key, value);
  }

  @Test
  @DisplayName("a local change shows in the view at once, and committed holds it once Redis acknowledges the next version")
  void localThenAcknowledged() {
    LocalWrite write = new LocalWrite(meta("W", "1"), 2000);
    slot.addLocal(write);
    assertThat(slot.view.metadata("W")).isEqualTo("1");
    assertThat(slot.committed.metadata("W")).isNull();
    write.version = 2;
    slot.acknowledged(write);
    assertThat(slot.committed.metadata("W")).isEqualTo("1");
    assertThat(slot.committed.version()).isEqualTo(2);
    assertThat(slot.view).isSameAs(slot.committed);
  }

  @Test
  @DisplayName("an acknowledged version beyond the next one waits until the versions before it are known")
  void gapWaits() {
    LocalWrite write = new LocalWrite(meta("W", "mine"), 2000, 3);
    slot.addAcknowledged(write);
    assertThat(slot.committed.version()).isEqualTo(1);
    assertThat(slot.view.version()).isEqualTo(3);
    assertThat(slot.view.metadata("W")).isEqualTo("mine");

    // the other sidecar's change (version 2) arrives as an event
    slot.committed.apply(meta("OTHER", "x"), 2500);
    slot.committed.version(2);
    slot.fold();
    slot.rebuildView();
    assertThat(slot.committed.version()).isEqualTo(3);
    assertThat(slot.committed.metadata("W")).isEqualTo("mine");
    assertThat(slot.committed.metadata("OTHER")).isEqualTo("x");
    assertThat(slot.view).isSameAs(slot.committed);
  }

  @Test
  @DisplayName("a foreign change to the same key stays under a local change not yet stored")
  void unstoredLocalChangeWins() {
    slot.addLocal(new LocalWrite(meta("K", "local"), 2000));
    slot.committed.apply(meta("K", "foreign"), 2100);
    slot.committed.version(2);
    slot.fold();
    slot.rebuildView();
    assertThat(slot.view.metadata("K")).isEqualTo("local");
    assertThat(slot.committed.metadata("K")).isEqualTo("foreign");
  }

  @Test
  @DisplayName("an acknowledgement for a version an event already brought is simply dropped")
  void eventBeforeAcknowledgement() {
    LocalWrite write = new LocalWrite(meta("W", "1"), 2000);
    slot.addLocal(write);
    slot.committed.apply(meta("W", "1"), 2000);
    slot.committed.version(2);
    slot.fold();
    slot.rebuildView();
    write.version = 2;
    slot.acknowledged(write);
    assertThat(slot.view).isSameAs(slot.committed);
    assertThat(slot.committed.version()).isEqualTo(2);
  }

  @Test
  @DisplayName("forgetting the connection drops every local change and starts a new generation")
  void clear() {
    slot.addLocal(new LocalWrite(meta("W", "1"), 2000));
    int generation = slot.generation;
    slot.clear();
    assertThat(slot.live()).isFalse();
    assertThat(slot.generation).isEqualTo(generation + 1);
    assertThat(slot.idle()).isTrue();
  }

  @Test
  @DisplayName("a copy is quiet (the audit may compare it) only while no change of its own is under way")
  void quiet() {
    assertThat(slot.quiet()).isTrue();
    LocalWrite write = new LocalWrite(meta("W", "1"), 2000);
    slot.addLocal(write);
    assertThat(slot.quiet()).as("a local change not acknowledged").isFalse();
    write.version = 3;
    slot.acknowledged(write);
    assertThat(slot.quiet()).as("acknowledged at a version that cannot be folded yet").isFalse();
    slot.committed.version(2);
    slot.fold();
    assertThat(slot.quiet()).as("folded in").isTrue();
    slot.busy = true;
    assertThat(slot.quiet()).as("a critical change in flight").isFalse();
  }
}
