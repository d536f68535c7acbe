/**
 * Reading PyTorch checkpoints ({@code torch.save} zip archives, {@code .pt}/{@code .pth}) as
 * data only: {@link io.github.seqrec.models.torch.TorchCheckpoint} runs a restricted pickle
 * machine that rebuilds tensors from their storages and containers, numbers and strings, and
 * records every other class as an {@link io.github.seqrec.models.torch.TorchCheckpoint.Opaque}
 * value; nothing named in the file is loaded or executed.
 */
package io.github.seqrec.models.torch;
