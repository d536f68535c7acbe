"""NextItNet (Yuan, Karatzoglou, Arapakis, Jose, He; WSDM 2019): PyTorch reference for seqrec.

Sources (MODELS.md section 5): the official TensorFlow code fajieyuan/nextitnet, ``ops.py``
(``nextitnet_residual_block``: the paper's residual block (b); ``conv1d`` with ``causal=True``;
``layer_norm`` with epsilon 1e-8), ``generator_recsys.py`` (``model_graph``, ``predict_graph``
without negative sampling: ``logits = conv1d(relu(dilate_input[:, -1:, :]), item_size)``, a 1x1
convolution, i.e. a dense layer from the channels to the catalogue) and ``nextitrec.py``
(``kernel_size = 3``, ``dilations = [1, 2, 1, 2, 1, 2]``); RUCAIBox/RecBole ``nextitnet.py``
(``ResidualBlock_b``) for the same block written with PyTorch convolutions.

Forward (one user, history s_1 .. s_n oldest first, C = dilated_channels):

    X_0 = E[s]                                                    [n, C]
    for each configured dilation d (one residual block each):
        A = ReLU(LN_1(causalconv_d(X)))                           kernel k, dilation d
        Y = ReLU(LN_2(causalconv_2d(A)))                          the second conv at TWICE the dilation
        X = X + Y
    u = ReLU(X[n - 1])                                            the user embedding, [C]
    logits[j] = u . W_o[j] + b_o[j]                               every catalogue item j (ids 0 .. n_items)

``causalconv_r(x)[t] = b + sum_{m<k} W[:, :, m] x[t - (k-1-m) r]`` with ``x[< 0] = 0``: an
``nn.Conv1d(C, C, k, dilation=r)`` on x left-padded with ``(k-1) r`` zero rows, which is exactly
TF's ``tf.pad`` + ``atrous_conv2d(rate=r, padding='VALID')`` (TF weight ``[1, k, in, out]`` =
PyTorch ``weight.permute(2, 1, 0)[None]``). LayerNorm: ``nn.LayerNorm(C, eps=1e-8)`` (biased
variance, as ``tf.nn.moments``).

Where the sources disagree, and what this reference does:
* Head: the official no-negative-sampling head (ReLU, then a dense layer with a bias per item)
  rather than RecBole's (no ReLU, ``Linear(C, d)``, tied input embedding, no bias).
* Padding: the official code left-pads every sequence with id 0 to a fixed length and gives id 0
  a learned embedding, so for a history shorter than the receptive field the output depends on
  how many padding tokens precede it. seqrec's padding rule (MODELS.md choice table) masks padding
  instead: the network sees only the history's own actions, and every convolution sees zeros
  before the first one (its causal zero padding). A right-padded batch needs nothing more,
  because a causal convolution never lets later positions (the padding) reach position n - 1.
  Consequences: the score depends on the last ``receptive_field`` actions only
  (``1 + (k-1) * sum(3 d)`` = 55 for the official dilations), so cutting a long history to its
  most recent ``max_len >= receptive_field`` actions changes nothing, and a user state made of the
  last ``(k-1) * r`` input rows of every convolution, advanced by one row per layer per new action,
  equals rescoring the whole history (``incremental_user_embedding`` below checks it).
* Empty history: u = 0, so the logits are the output bias ``b_o`` (seqrec's "no-history vector is
  zero" rule, MODELS.md 0.3).
* The official ``model_graph`` drops the last input item (it is the training label); here the
  whole history is the context and the model predicts the item after it.

Tensor names: ``item_embedding.weight`` [n_items+1, C] (row 0 = padding, zero, never read),
``residual_blocks.{i}.conv1.weight`` [C, C, k] / ``.bias`` [C], ``residual_blocks.{i}.ln1.weight``
/ ``.bias``, ``residual_blocks.{i}.conv2.*``, ``residual_blocks.{i}.ln2.*``, ``output.weight``
[n_items+1, C] (row j = item j's output embedding W_o[j]), ``output.bias`` [n_items+1].
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

SOURCE = ("NextItNet (WSDM 2019), official fajieyuan/nextitnet ops.py nextitnet_residual_block (block b, "
          "dilations d and 2d, LN eps 1e-8) + generator_recsys.py predict_graph head (ReLU + dense with bias); "
          "RecBole nextitnet.py ResidualBlock_b for the PyTorch form; padding masked (causal zeros)")

HPARAMS = dict(n_items=200, channels=32, kernel_size=3, dilations="1,2,1,2,1,2", ln_eps=1e-8, max_len=1000)


def causal_conv(conv, x):
    """x [B, T, C_in] -> [B, T, C_out]: ``conv`` (an nn.Conv1d) on x left-padded with (k-1)*dilation zeros."""
    pad = (conv.kernel_size[0] - 1) * conv.dilation[0]
    return conv(F.pad(x.transpose(1, 2), (pad, 0))).transpose(1, 2)


class ResidualBlock(nn.Module):
    """The paper's block (b): two dilated causal convolutions (dilation d, then 2d), each followed by
    LayerNorm and ReLU, plus the identity."""

    def __init__(self, channels, kernel_size, dilation, eps):
        super().__init__()
        self.conv1 = nn.Conv1d(channels, channels, kernel_size, dilation=dilation)
        self.ln1 = nn.LayerNorm(channels, eps=eps)
        self.conv2 = nn.Conv1d(channels, channels, kernel_size, dilation=2 * dilation)
        self.ln2 = nn.LayerNorm(channels, eps=eps)

    def forward(self, x):
        a = F.relu(self.ln1(causal_conv(self.conv1, x)))
        y = F.relu(self.ln2(causal_conv(self.conv2, a)))
        return x + y


class NextItNet(nn.Module):
    def __init__(self, n_items, channels, kernel_size=3, dilations=(1, 2, 1, 2, 1, 2), ln_eps=1e-8):
        super().__init__()
        self.item_embedding = nn.Embedding(n_items + 1, channels, padding_idx=0)
        self.residual_blocks = nn.ModuleList(ResidualBlock(channels, kernel_size, d, ln_eps) for d in dilations)
        self.output = nn.Linear(channels, n_items + 1)

    @property
    def receptive_field(self):
        k = self.residual_blocks[0].conv1.kernel_size[0]
        return 1 + sum((k - 1) * 3 * b.conv1.dilation[0] for b in self.residual_blocks)

    def hidden(self, hist_items):
        """[B, T] ids -> X after the last block, [B, T, C] (position t sees positions <= t only)."""
        x = self.item_embedding(hist_items)
        for block in self.residual_blocks:
            x = block(x)
        return x

    def user_embedding(self, hist_items, hist_len):
        """hist_items [B, L] right-padded, hist_len [B] -> u = ReLU(X[len-1]) [B, C]; zeros if len = 0."""
        B, L = hist_items.shape
        C = self.output.in_features
        if L == 0:
            return self.output.weight.new_zeros(B, C)
        x = self.hidden(hist_items)
        last = (hist_len - 1).clamp(min=0)
        u = F.relu(x.gather(1, last[:, None, None].expand(B, 1, C))[:, 0])
        return torch.where((hist_len > 0)[:, None], u, torch.zeros_like(u))

    def catalogue_scores(self, u):
        """u [B, C] -> logits over every item id 0 .. n_items, [B, n_items+1] (id 0 is never recommended)."""
        return self.output(u)

    def forward(self, hist_items, hist_len, cand_items):
        """-> logits [B, Cand] of the candidates: u . W_o[cand] + b_o[cand]."""
        u = self.user_embedding(hist_items, hist_len)
        w = self.output.weight[cand_items]                       # [B, Cand, C]
        return torch.einsum("bc,bkc->bk", u, w) + self.output.bias[cand_items]

    # ------------------------------------------------------------------ incremental user state

    def empty_state(self, batch=1):
        """Per convolution, the last (k-1)*dilation input rows (zeros = the causal padding)."""
        C = self.output.in_features
        state = []
        for block in self.residual_blocks:
            for conv in (block.conv1, block.conv2):
                rows = (conv.kernel_size[0] - 1) * conv.dilation[0]
                state.append(self.output.weight.new_zeros(batch, rows, C))
        return state

    def append(self, state, items):
        """One new action per row (items [B]): every convolution computes its newest output row from
        its cached rows plus the new input row (a 'last-row' causal convolution), then shifts its
        cache by one. Returns the new top-block row X[n-1] [B, C]; ``state`` is updated in place."""
        x = self.item_embedding(items)                           # [B, C]
        i = 0
        for block in self.residual_blocks:
            inp = x
            outs = []
            for conv, ln in ((block.conv1, block.ln1), (block.conv2, block.ln2)):
                window = torch.cat([state[i], inp[:, None, :]], dim=1)   # [B, (k-1)r + 1, C]
                state[i] = window[:, 1:]
                y = conv(window.transpose(1, 2))[:, :, -1]              # the newest output position
                inp = F.relu(ln(y))
                i += 1
                outs.append(inp)
            x = x + outs[-1]
        return x


def build(hp=HPARAMS):
    return NextItNet(hp["n_items"], hp["channels"], hp["kernel_size"],
                     tuple(int(d) for d in str(hp["dilations"]).split(",")), hp["ln_eps"])
