/**
 * Offline evaluation of a model on interaction logs: {@link io.github.seqrec.models.eval.Interactions}
 * reads {@code user,item,timestamp[,action,category]} CSV files (strictly: a malformed row is an error
 * naming its line and column), {@link io.github.seqrec.models.eval.LeaveOneOut} holds out each user's
 * last action and ranks it (HR@k, NDCG@k, MRR) against sampled negatives for CTR models or the whole
 * catalogue for next-item models, on one thread per core.
 */
package io.github.seqrec.models.eval;
