package dev.connstate.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.shard.ReplicasNotConfirmed;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.impl.types.NumberType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Replica acknowledgement with WAIT")
class ReplicaAcksTest {
  private final List<String> sent = new ArrayList<>();
  private final List<Promise<Response>> replies = new ArrayList<>();

  private Future<Response> connection(Request request) {
    sent.add(request.toString().trim());
    Promise<Response> reply = Promise.promise();
    replies.add(reply);
    return reply.future();
  }

  @Test
  @DisplayName("changes that ask while a WAIT is on its way share the next one: one WAIT at a time")
  void groupCommit() {
    ReplicaAcks acks = new ReplicaAcks(this::connection, 1, 500);
    Future<Void> first = acks.confirm();
    Future<Void> second = acks.confirm();
    Future<Void> third = acks.confirm();
    assertThat(sent).as("one WAIT in flight").hasSize(1);
    replies.get(0).complete(NumberType.create(1));
    assertThat(first.succeeded()).isTrue();
    assertThat(second.isComplete()).as("asked after the first WAIT left: the next one covers it").isFalse();
    assertThat(sent).hasSize(2);
    replies.get(1).complete(NumberType.create(1));
    assertThat(second.succeeded()).isTrue();
    assertThat(third.succeeded()).isTrue();
    assertThat(sent).hasSize(2);
  }

  @Test
  @DisplayName("fewer replicas than asked for fail every change the WAIT covered, saying how many confirmed")
  void tooFew() {
    ReplicaAcks acks = new ReplicaAcks(this::connection, 2, 500);
    Future<Void> change = acks.confirm();
    replies.get(0).complete(NumberType.create(1));
    assertThat(change.failed()).isTrue();
    assertThat(change.cause()).isInstanceOf(ReplicasNotConfirmed.class)
        .hasMessage("1 of 2 replicas confirmed it within 500 ms");
    assertThat(sent.get(0)).isEqualToIgnoringNewLines("*3$4wait$12$3500");
  }

  @Test
  @DisplayName("with no replicas asked for, nothing is sent")
  void none() {
    ReplicaAcks acks = new ReplicaAcks(this::connection, 0, 500);
    assertThat(acks.confirm().succeeded()).isTrue();
    assertThat(sent).isEmpty();
  }
}
