package io.github.seqrec.models.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.seqrec.models.safetensors.SafeTensors;
import io.github.seqrec.models.tensors.Tensor;
import io.github.seqrec.models.torch.TorchCheckpoint.Opaque;
import io.github.seqrec.models.torch.TorchCheckpoint.Tuple;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The fixtures {@code golden/torch_checkpoints.py} writes with PyTorch: each {@code .pth} read and
 * compared exactly with the tensors PyTorch wrote alongside as safetensors.
 */
class TorchCheckpointTest {

  static Path resource(String name) {
    try {
      return Path.of(TorchCheckpointTest.class.getResource(name).toURI());
    } catch (URISyntaxException e) {
      throw new AssertionError(e);
    }
  }

  static Map<String, Tensor> expected(String name) throws IOException {
    try (SafeTensors st = SafeTensors.open(resource("/torch/" + name + ".safetensors"))) {
      return st.toTensors();
    }
  }

  static void assertSameTensors(Map<String, Tensor> actual, Map<String, Tensor> expected) {
    assertThat(actual.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
    for (var e : expected.entrySet()) {
      Tensor a = actual.get(e.getKey());
      Tensor x = e.getValue();
      assertThat(a.dtype()).as(e.getKey()).isEqualTo(x.dtype());
      assertThat(a.shape()).as(e.getKey()).isEqualTo(x.shape());
      switch (a) {
        case Tensor.F32 f -> assertThat(f.data()).as(e.getKey()).isEqualTo(((Tensor.F32) x).data());
        case Tensor.I64 l -> assertThat(l.data()).as(e.getKey()).isEqualTo(((Tensor.I64) x).data());
        case Tensor.I32 i -> assertThat(i.data()).as(e.getKey()).isEqualTo(((Tensor.I32) x).data());
        case Tensor.Bool b -> assertThat(b.data()).as(e.getKey()).isEqualTo(((Tensor.Bool) x).data());
      }
    }
  }

  @Test
  void bareStateDictOfLinearEmbeddingAndGruInFileOrder() throws IOException {
    TorchCheckpoint ckpt = TorchCheckpoint.read(resource("/torch/linear_embedding_gru.pth"));
    assertThat(ckpt.version()).isEqualTo(3);
    assertThat(ckpt.isStateDict()).isTrue();
    Map<String, Tensor> sd = ckpt.stateDict();
    assertThat(sd.keySet()).containsExactly("emb.weight", "gru.weight_ih_l0", "gru.weight_hh_l0",
        "gru.bias_ih_l0", "gru.bias_hh_l0", "out.weight", "out.bias");
    assertThat(sd.get("gru.weight_ih_l0").shape()).containsExactly(9, 4);
    assertSameTensors(sd, expected("linear_embedding_gru"));
    assertThat(ckpt.stateDict("state_dict")).isEqualTo(sd);
  }

  @Test
  void everyStorageTypeIsReadOrWidenedAsSafeTensorsDoes() throws IOException {
    Map<String, Tensor> sd = TorchCheckpoint.read(resource("/torch/dtypes.pth")).stateDict();
    assertSameTensors(sd, expected("dtypes"));
    assertThat(sd.get("f64").dtype()).isEqualTo("F32");
    assertThat(sd.get("u8")).isInstanceOfSatisfying(Tensor.I32.class,
        t -> assertThat(t.data()).containsExactly(0, 200, 255));
    assertThat(sd.get("i64")).isInstanceOfSatisfying(Tensor.I64.class,
        t -> assertThat(t.data()).containsExactly(1, -2, 3, 1L << 40));
    assertThat(sd.get("scalar").shape()).isEmpty();
    assertThat(sd.get("empty").shape()).containsExactly(0, 3);
  }

  @Test
  void nonContiguousViewsAreMaterializedRowMajor() throws IOException {
    Map<String, Tensor> sd = TorchCheckpoint.read(resource("/torch/views.pth")).stateDict();
    assertSameTensors(sd, expected("views"));
    assertThat(((Tensor.F32) sd.get("transposed")).data())
        .containsExactly(0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11);
  }

  @Test
  void recboleStyleCheckpointDictKeepsEveryValueAndGivesTheStateDictByKey() throws IOException {
    TorchCheckpoint ckpt = TorchCheckpoint.read(resource("/torch/recbole_style.pth"));
    assertThat(ckpt.isStateDict()).isFalse();
    assertThatThrownBy(ckpt::stateDict).isInstanceOf(TorchCheckpointFormatException.class)
        .hasMessageContaining("'state_dict'").hasMessageContaining("stateDict(key)");
    assertSameTensors(ckpt.stateDict("state_dict"), expected("recbole_style"));
    assertThatThrownBy(() -> ckpt.stateDict("model")).isInstanceOf(TorchCheckpointFormatException.class)
        .hasMessageContaining("no key 'model'");
    assertThatThrownBy(() -> ckpt.stateDict("config")).isInstanceOf(TorchCheckpointFormatException.class)
        .hasMessageContaining("'config' is not a state dict");

    Map<?, ?> top = (Map<?, ?>) ckpt.value();
    assertThat(List.<Object>copyOf(top.keySet())).containsExactly("config", "epoch", "cur_step", "best_valid_score",
        "state_dict", "other_parameter", "optimizer");
    assertThat(top.get("epoch")).isEqualTo(3L);
    assertThat(top.get("cur_step")).isEqualTo(120L);
    assertThat(top.get("best_valid_score")).isEqualTo(0.25);
    assertThat(top.containsKey("other_parameter")).isTrue();
    assertThat(top.get("other_parameter")).isNull();
    Map<?, ?> config = (Map<?, ?>) top.get("config");
    assertThat(config.get("model")).isEqualTo("GRU4Rec");
    assertThat(config.get("topk")).isEqualTo(List.of(10L, 20L));
    assertThat(config.get("reproducibility")).isEqualTo(true);
    assertThat(config.get("dropout_prob")).isEqualTo(0.0);
    Map<?, ?> evalArgs = (Map<?, ?>) config.get("eval_args");
    assertThat(evalArgs.get("mode")).isEqualTo(new Tuple(List.of("full", "uni100")));
    assertThat(evalArgs.get("split")).isEqualTo(Map.of("LS", "valid_and_test"));

    // Adam's state: int parameter ids -> {'step', 'exp_avg', 'exp_avg_sq'}; param_groups a list
    Map<?, ?> optimizer = (Map<?, ?>) top.get("optimizer");
    Map<?, ?> state = (Map<?, ?>) optimizer.get("state");
    assertThat(List.<Object>copyOf(state.keySet())).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L);
    Map<?, ?> first = (Map<?, ?>) state.get(0L);
    assertThat(first.get("exp_avg")).isInstanceOfSatisfying(Tensor.class,
        t -> assertThat(t.shape()).containsExactly(5, 4));
    List<?> groups = (List<?>) optimizer.get("param_groups");
    assertThat(((Map<?, ?>) groups.getFirst()).get("lr")).isEqualTo(1e-3);
    assertThat(((Map<?, ?>) groups.getFirst()).get("params")).isEqualTo(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L));
  }

  @Test
  void wholeModulePicklesAreOpaqueObjectsWhoseTensorsCanBeReached() throws IOException {
    TorchCheckpoint ckpt = TorchCheckpoint.read(resource("/torch/whole_module.pth"));
    assertThat(ckpt.isStateDict()).isFalse();
    assertThat(ckpt.value()).isInstanceOfSatisfying(Opaque.class, o -> {
      assertThat(o.qualifiedName()).isEqualTo("__main__.TinyNet");
      assertThat(o.args().items()).isEmpty();
    });
    Opaque net = (Opaque) ckpt.value();
    Map<?, ?> modules = (Map<?, ?>) ((Map<?, ?>) net.state()).get("_modules");
    assertThat(List.<Object>copyOf(modules.keySet())).containsExactly("emb", "gru", "out");
    Map<String, Tensor> collected = new LinkedHashMap<>();
    for (var m : modules.entrySet()) {
      Opaque child = (Opaque) m.getValue();
      assertThat(child.module()).startsWith("torch.nn.modules.");
      Map<?, ?> params = (Map<?, ?>) ((Map<?, ?>) child.state()).get("_parameters");
      for (var p : params.entrySet()) {
        collected.put(m.getKey() + "." + p.getKey(), (Tensor) p.getValue());
      }
    }
    assertSameTensors(collected, expected("whole_module"));
    assertThat(((Map<?, ?>) net.state()).get("training")).isEqualTo(false);
  }

  @Test
  void legacyNonZipFilesAreRefusedWithTheWayOut() {
    assertThatThrownBy(() -> TorchCheckpoint.read(resource("/torch/legacy.pth")))
        .isInstanceOf(TorchCheckpointFormatException.class)
        .hasMessageContaining("legacy").hasMessageContaining("re-save");
  }
}
