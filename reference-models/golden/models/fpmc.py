"""FPMC - Factorizing Personalized Markov Chains (Rendle, Freudenthaler, Schmidt-Thieme, WWW 2010):
PyTorch reference for seqrec.

Sources (MODELS.md section 1): the paper's factorized score (eq. 5/6 with the user-last-item
term dropped, since it is constant for ranking) and RUCAIBox/RecBole
``sequential_recommender/fpmc.py`` (four embedding tables, ``LI_emb`` with ``padding_idx=0``,
``full_sort_predict`` = two products against ``IU_emb`` and ``IL_emb``).

    x(u, B, j) = <UI[u], IU[j]> + (1/|B|) sum_{l in B} <IL[j], LI[l]>

where B is the previous basket. Where they differ: RecBole sets the basket to the single last
item ``s_n``; the paper's next-basket form averages over the whole previous basket. Both are here
(``basket``): ``last_item`` (RecBole, the default) and ``last_timestamp`` (paper: the previous
basket is every trailing action sharing the most recent action's timestamp, ``hist_times``).
Both forms are one dot product of the user vector ``[UI[u]; mean_{l in B} LI[l]]`` (width 2d)
with the item vector ``[IU[j]; IL[j]]``, which is how a catalogue scores them.

seqrec conventions: item ids 1..n_items, id 0 padding; user ids 1..n_users, user id 0 is the
unknown user (``UI`` row 0 is zero, so only the chain term remains). The empty history has no
previous basket: the chain term is 0 and the score is the MF term alone. ``IU``/``IL`` keep a row
0 (RecBole's tables have one too) that is never scored.

Tensor names: ``UI_emb.weight`` [n_users+1, d], ``IU_emb.weight``, ``LI_emb.weight``,
``IL_emb.weight`` [n_items+1, d].
"""
import torch
import torch.nn as nn

from _common import length_mask

SOURCE = ("FPMC (WWW 2010) factorized score, RecBole fpmc.py (four tables, basket = last item); "
          "basket = last_timestamp gives the paper's next-basket average")

HPARAMS = dict(n_items=100, n_users=50, embedding_size=16, basket="last_item", max_len=100)


class FPMC(nn.Module):
    def __init__(self, n_items, n_users, embedding_size=64, basket="last_item"):
        super().__init__()
        if basket not in ("last_item", "last_timestamp"):
            raise ValueError(basket)
        self.basket = basket
        self.UI_emb = nn.Embedding(n_users + 1, embedding_size, padding_idx=0)
        self.IU_emb = nn.Embedding(n_items + 1, embedding_size)
        self.LI_emb = nn.Embedding(n_items + 1, embedding_size, padding_idx=0)
        self.IL_emb = nn.Embedding(n_items + 1, embedding_size)

    def basket_mask(self, hist_items, hist_len, hist_times):
        """[B, L] bool: the slots of the previous basket."""
        B, L = hist_items.shape
        valid = length_mask(hist_len, L)
        last = (hist_len - 1).clamp(min=0)
        is_last = (torch.arange(L)[None, :] == last[:, None]) & valid
        if self.basket == "last_item":
            return is_last
        t_last = hist_times.gather(1, last[:, None])
        return valid & (hist_times == t_last)

    def user_embedding(self, user_id, hist_items, hist_len, hist_times=None):
        """[B, 2d] = [UI[u]; mean over the previous basket of LI[l]] (zeros when there is none)."""
        m = self.basket_mask(hist_items, hist_len, hist_times).to(self.LI_emb.weight.dtype)
        n = m.sum(1, keepdim=True)
        li = (self.LI_emb(hist_items) * m[..., None]).sum(1) / n.clamp(min=1)
        return torch.cat([self.UI_emb(user_id), li], dim=-1)

    def item_table(self):
        """[n_items+1, 2d] = [IU; IL]: the catalogue the user vector is scored against."""
        return torch.cat([self.IU_emb.weight, self.IL_emb.weight], dim=-1)

    def catalogue_scores(self, user_id, hist_items, hist_len, hist_times=None):
        return self.user_embedding(user_id, hist_items, hist_len, hist_times) @ self.item_table().t()

    def forward(self, user_id, hist_items, hist_len, cand_items, hist_times=None):
        """user_id [B], hist_items [B, L], hist_len [B], cand_items [B, C] -> scores [B, C]
        (written as the two terms of the paper, not through the concatenated tables)."""
        m = self.basket_mask(hist_items, hist_len, hist_times).to(self.LI_emb.weight.dtype)
        n = m.sum(1).clamp(min=1)
        mf = torch.einsum("bd,bcd->bc", self.UI_emb(user_id), self.IU_emb(cand_items))
        fmc = torch.einsum("bcd,bld,bl->bc", self.IL_emb(cand_items), self.LI_emb(hist_items), m) / n[:, None]
        return mf + fmc


def build(hp=HPARAMS):
    return FPMC(hp["n_items"], hp["n_users"], hp["embedding_size"], hp["basket"])
