package io.github.seqrec.models.interop.recbole;

import io.github.seqrec.models.interop.ImportRefusedException;
import io.github.seqrec.models.tensors.Tensor;

/**
 * RecBole's shared {@code TransformerEncoder} ({@code recbole/model/layers.py}), read once for
 * SASRec and BERT4Rec. Each {@code TransformerLayer} is post-LN: {@code x = LN(x + dense(MHA(x)))}
 * then {@code x = LN(x + dense_2(act(dense_1(x))))}, with separate {@code query}/{@code key}/
 * {@code value} Linears (heads as consecutive {@code d/H} blocks, scores divided by
 * {@code sqrt(d/H)}) - the {@code nn.MultiheadAttention} layout once the three are stacked into one
 * in-projection, which is what seqrec's blocks read.
 */
final class RecBoleTransformer {
  private RecBoleTransformer() {}

  /** One layer's tensors, in the roles seqrec's blocks give them. */
  record Layer(Tensor.F32 inProjWeight, Tensor.F32 inProjBias, Tensor.F32 outWeight, Tensor.F32 outBias,
               Tensor.F32 norm1Weight, Tensor.F32 norm1Bias, Tensor.F32 ffn1Weight, Tensor.F32 ffn1Bias,
               Tensor.F32 ffn2Weight, Tensor.F32 ffn2Bias, Tensor.F32 norm2Weight, Tensor.F32 norm2Bias) {}

  /** Layer {@code i} of {@code trm_encoder}, shapes checked against {@code d} and {@code inner}. */
  static Layer layer(RecBoleCheckpoint ckpt, int i, int d, int inner) {
    String att = "trm_encoder.layer." + i + ".multi_head_attention.";
    String ffn = "trm_encoder.layer." + i + ".feed_forward.";
    return new Layer(
        TensorOps.concatRows(ckpt.tensor(att + "query.weight", d, d), ckpt.tensor(att + "key.weight", d, d),
            ckpt.tensor(att + "value.weight", d, d)),
        TensorOps.concatRows(ckpt.tensor(att + "query.bias", d), ckpt.tensor(att + "key.bias", d),
            ckpt.tensor(att + "value.bias", d)),
        ckpt.tensor(att + "dense.weight", d, d), ckpt.tensor(att + "dense.bias", d),
        ckpt.tensor(att + "LayerNorm.weight", d), ckpt.tensor(att + "LayerNorm.bias", d),
        ckpt.tensor(ffn + "dense_1.weight", inner, d), ckpt.tensor(ffn + "dense_1.bias", inner),
        ckpt.tensor(ffn + "dense_2.weight", d, inner), ckpt.tensor(ffn + "dense_2.bias", d),
        ckpt.tensor(ffn + "LayerNorm.weight", d), ckpt.tensor(ffn + "LayerNorm.bias", d));
  }

  /**
   * RecBole's {@code hidden_act} as seqrec's feed-forward activation. RecBole's {@code gelu} is the
   * exact erf form (its FeedForward.gelu), as seqrec's; swish, tanh and sigmoid have no seqrec block.
   */
  static String activation(RecBoleCheckpoint ckpt, String model, boolean reluAllowed) {
    String act = ckpt.string("hidden_act");
    if (act.equals("gelu") || (reluAllowed && act.equals("relu"))) {
      return act;
    }
    throw new ImportRefusedException("RecBole " + ckpt.modelName() + " with hidden_act=" + act + ": seqrec's " + model
        + " feed-forward is " + (reluAllowed ? "relu or exact gelu" : "exact gelu only")
        + "; retrain with hidden_act=gelu" + (reluAllowed ? " or relu" : ""));
  }

  /** The heads must divide the width (RecBole checks the same when it builds the model). */
  static void checkHeads(RecBoleCheckpoint ckpt, int d, int heads) {
    if (heads < 1 || d % heads != 0) {
      throw new IllegalArgumentException(ckpt.path() + ": RecBole setting n_heads=" + heads
          + " does not divide hidden_size=" + d);
    }
  }
}
