"""RRN - Recurrent Recommender Networks (Wu, Ahmed, Beutel, Smola, Jing, WSDM 2017): PyTorch
reference for seqrec.

No public code of the paper exists (MODELS.md section 2: the third-party repositories are toys
that feed ids instead of the paper's inputs), so **this module is RRN's executable definition in
seqrec**: the Java model is checked against it, and its parameter names are the weight names.
It follows the paper's section 3; every detail the paper leaves open is fixed below and marked
(seqrec).

Time. Actions are grouped into time steps ``s = floor((t - epoch) / step_seconds)`` (the paper
discretises time into coarse steps; seqrec: weeks, ``epoch`` 1 600 000 000 s). Only steps that
hold at least one action are LSTM steps (seqrec); the wall-clock features carry the gaps.

User side, per non-empty step t of user i's history (paper eq. for y_t):

    y_t = W_embed [x_t; 1_newbie; tau_t; tau_{t-1}]
        = sum_{(j, r) in step t} r * user_input.ratings[j]     (x_t: the step's sparse rating vector;
                                                                an nn.EmbeddingBag sum with the
                                                                ratings as per-sample weights)
          + user_input.extra([newbie, tau_t, tau_{t-1}])       (nn.Linear(3, d_input), with bias)
    (h_t, c_t) = LSTM(y_t, (h_{t-1}, c_{t-1}))                 (nn.LSTM, one layer, PyTorch gates)
    u~ = user_out(h_T) = W_user h_T + b_user                   (T = the last step)

with ``newbie = 1`` on the user's first step, 0 after; ``tau = s / time_scale`` (seqrec:
``time_scale`` 52, i.e. years of weekly steps); ``tau_{t-1}`` is the previous non-empty step's
tau, and equals ``tau_t`` on the first step (seqrec). Ratings are the history's action values
(``hist_actions``, 1..5).

Item side (paper: the symmetric movie LSTM over users' ratings): the same recurrence with
``item_input.*``, ``item_lstm.*`` runs offline over each item's ratings up to the serving step;
its final hidden states are the catalogue snapshot ``item_state`` [n_items+1, hidden] (a
buffer, refreshed once per time step, row 0 and never-rated items zero), and
``m~_j = item_out(item_state[j])``. seqrec serves from the snapshot; ``item_states()`` below
is how the generator makes it.

Rating (paper eq. 7, no sigmoid):

    r(i, j) = <u~_i, m~_j> + <user_factor[i], item_factor[j]>
            = [u~_i; user_factor[i]] . [m~_j; item_factor[j]]       (the catalogue form)

Empty history: no step, ``h = 0``, so ``u~ = b_user`` (seqrec). User id 0 is the unknown user
(``user_factor`` row 0 is zero); item id 0 is padding.

Tensor names: ``user_input.ratings.weight`` [n_items+1, d_input], ``user_input.extra.weight``
[d_input, 3], ``user_input.extra.bias``, ``user_lstm.{weight,bias}_{ih,hh}_l0`` (rows i, f, g, o),
``user_out.weight`` [d_dynamic, hidden], ``user_out.bias``, ``user_factor.weight``
[n_users+1, d_stationary]; the item side ``item_input.ratings.weight`` [n_users+1, d_input],
``item_input.extra.*``, ``item_lstm.*``, ``item_out.*``, ``item_factor.weight``
[n_items+1, d_stationary], ``item_state`` [n_items+1, hidden]. Requires d_dynamic == d_stationary
only for the concatenated form's symmetry; it is not required by the math.
"""
import math

import torch
import torch.nn as nn

SOURCE = ("RRN (WSDM 2017) section 3 (no public code: this PyTorch module is the definition); "
          "weekly steps, EmbeddingBag rating input + [newbie, tau_t, tau_t-1], nn.LSTM, "
          "r = <W_u h + b_u, W_m m + b_m> + <u_i, m_j>")

# the paper's sizes are d_input = hidden = 40, d_dynamic = d_stationary = 20; the golden uses
# smaller ones to keep the files small
HPARAMS = dict(n_items=100, n_users=50, d_input=24, hidden=24, d_dynamic=16, d_stationary=16,
               step_seconds=604800, epoch=1600000000, time_scale=52.0, max_len=100)


class StepInput(nn.Module):
    """``y = sum_k r_k ratings[id_k] + extra([newbie, tau, tau_prev])``."""

    def __init__(self, n_ids, d_input):
        super().__init__()
        self.ratings = nn.EmbeddingBag(n_ids + 1, d_input, mode="sum")
        self.extra = nn.Linear(3, d_input)

    def forward(self, ids, ratings, offsets, extra):
        return self.ratings(ids, offsets, per_sample_weights=ratings) + self.extra(extra)


def steps_of(times, hp):
    return [math.floor((int(t) - hp["epoch"]) / hp["step_seconds"]) for t in times]


def group_steps(ids, values, times, hp):
    """One history (oldest first) -> list of (step, [ids], [values]) for its non-empty steps."""
    out = []
    for j, r, s in zip(ids, values, steps_of(times, hp)):
        if out and out[-1][0] == s:
            out[-1][1].append(j)
            out[-1][2].append(r)
        else:
            if out and s < out[-1][0]:
                raise ValueError("timestamps must be non-decreasing")
            out.append((s, [j], [r]))
    return out


class RRN(nn.Module):
    def __init__(self, n_items, n_users, d_input=40, hidden=40, d_dynamic=20, d_stationary=20,
                 step_seconds=604800, epoch=1600000000, time_scale=52.0):
        super().__init__()
        self.hp = dict(step_seconds=step_seconds, epoch=epoch, time_scale=time_scale)
        self.user_input = StepInput(n_items, d_input)
        self.user_lstm = nn.LSTM(d_input, hidden, batch_first=True)
        self.user_out = nn.Linear(hidden, d_dynamic)
        self.user_factor = nn.Embedding(n_users + 1, d_stationary, padding_idx=0)
        self.item_input = StepInput(n_users, d_input)
        self.item_lstm = nn.LSTM(d_input, hidden, batch_first=True)
        self.item_out = nn.Linear(hidden, d_dynamic)
        self.item_factor = nn.Embedding(n_items + 1, d_stationary, padding_idx=0)
        self.register_buffer("item_state", torch.zeros(n_items + 1, hidden))

    def run(self, step_input, lstm, histories):
        """histories: list of per-entity lists (ids, values, times) -> final (h, c) [N, hidden].
        Each entity's non-empty steps become one LSTM input row each; the sequences run through
        ``nn.LSTM`` packed by their step counts (entities without steps keep h = c = 0)."""
        N = len(histories)
        H = lstm.hidden_size
        dtype = lstm.weight_ih_l0.dtype
        grouped = [group_steps(*h, self.hp) for h in histories]
        n_steps = torch.tensor([len(g) for g in grouped], dtype=torch.int64)
        T = max(1, int(n_steps.max()) if N else 1)
        y = torch.zeros(N, T, lstm.input_size, dtype=dtype)
        for e, g in enumerate(grouped):
            if not g:
                continue
            ids = torch.tensor([j for _, js, _ in g for j in js], dtype=torch.int64)
            vals = torch.tensor([float(r) for _, _, rs in g for r in rs], dtype=dtype)
            offsets = torch.tensor([0] + [len(js) for _, js, _ in g][:-1], dtype=torch.int64).cumsum(0)
            tau = torch.tensor([s / self.hp["time_scale"] for s, _, _ in g], dtype=dtype)
            tau_prev = torch.cat([tau[:1], tau[:-1]])
            newbie = torch.zeros(len(g), dtype=dtype)
            newbie[0] = 1.0
            y[e, :len(g)] = step_input(ids, vals, offsets, torch.stack([newbie, tau, tau_prev], dim=1))
        h = torch.zeros(N, H, dtype=dtype)
        c = torch.zeros(N, H, dtype=dtype)
        keep = n_steps > 0
        if bool(keep.any()):
            packed = nn.utils.rnn.pack_padded_sequence(y[keep], n_steps[keep], batch_first=True,
                                                       enforce_sorted=False)
            _, (hn, cn) = lstm(packed)
            h[keep], c[keep] = hn[0], cn[0]
        return h, c

    def user_state(self, hist_items, hist_actions, hist_times, hist_len):
        histories = []
        for b in range(hist_items.shape[0]):
            n = int(hist_len[b])
            histories.append((hist_items[b, :n].tolist(), hist_actions[b, :n].tolist(), hist_times[b, :n].tolist()))
        return self.run(self.user_input, self.user_lstm, histories)

    def item_states(self, item_histories):
        """item_histories: per item id 0..n_items a list (user ids, ratings, times) -> h [n_items+1, hidden]."""
        return self.run(self.item_input, self.item_lstm, item_histories)[0]

    def user_embedding(self, user_id, hist_items, hist_actions, hist_times, hist_len):
        """[B, d_dynamic + d_stationary] = [u~; user_factor[u]]."""
        h, _ = self.user_state(hist_items, hist_actions, hist_times, hist_len)
        return torch.cat([self.user_out(h), self.user_factor(user_id)], dim=-1)

    def item_table(self):
        """[n_items+1, d_dynamic + d_stationary] = [m~; item_factor]."""
        return torch.cat([self.item_out(self.item_state), self.item_factor.weight], dim=-1)

    def catalogue_scores(self, user_id, hist_items, hist_actions, hist_times, hist_len):
        return self.user_embedding(user_id, hist_items, hist_actions, hist_times, hist_len) @ self.item_table().t()

    def forward(self, user_id, hist_items, hist_actions, hist_times, hist_len, cand_items):
        """Predicted ratings [B, C], written as the paper's two inner products."""
        h, _ = self.user_state(hist_items, hist_actions, hist_times, hist_len)
        u_dyn = self.user_out(h)
        m_dyn = self.item_out(self.item_state[cand_items])
        return (torch.einsum("bd,bcd->bc", u_dyn, m_dyn)
                + torch.einsum("bd,bcd->bc", self.user_factor(user_id), self.item_factor(cand_items)))


def build(hp=HPARAMS):
    return RRN(hp["n_items"], hp["n_users"], hp["d_input"], hp["hidden"], hp["d_dynamic"], hp["d_stationary"],
               hp["step_seconds"], hp["epoch"], hp["time_scale"])
