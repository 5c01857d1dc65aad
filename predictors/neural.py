"""Neural predictors (PyTorch, CPU): MLP, LSTM, GCN, GIN and the BANANAS ensemble.

Every model is seeded through a local `torch.Generator` (weight initialisation and minibatch
order), runs with `n_threads` torch threads (default 1: these nets are tiny and the machine is
shared), and uses no dropout, so the same seed gives the same model bit for bit on one machine.
Targets are standardised for training and mapped back on predict.

`loss`: "mse" (default), "mae" (BANANAS) or "pairwise" - a RankNet-style logistic loss over all
ordered pairs in a minibatch (Burges et al. 2005; BRP-NAS, Dudziak et al. 2020, trains its
predictor on pairwise relations because ranking is what search needs). With "pairwise" outputs
only order architectures; their scale is arbitrary.

Defaults (documented departures from the papers keep CPU training of n=1000 to seconds):
- `mlp`: 3 hidden layers of 64 ReLU units on the one-hot encoding, Adam lr 1e-3, weight decay
  1e-4, 200 epochs, batch 32, cosine schedule (NASLib's MLP uses 20 layers x 20 units, 500 epochs).
- `lstm`: op sequence (one token per `Arch.ops` entry) -> 32-d embedding -> 1-layer LSTM of 64 ->
  MLP head; Adam lr 1e-3, 200 epochs (as the LSTM encoder of SemiNAS / NAO, Luo et al. 2018). On an
  open space the tokens are the canonical `Arch.ops` (nb101: the 49 adjacency bits then the 7 op
  ids; darts: its 22 choices) and the vocabulary is fixed by the space (`open_vocab`).
- `gcn`: Neural Predictor for NAS (Wen et al. 2020): op-on-node DAG (`space.graph_arrays`), edges
  in both directions, 3 dense GCN layers of 64 (paper: 144), mean readout, MLP head; Adam lr 1e-3
  (paper: 1e-4 for many more steps), 200 epochs, batch 32.
- `gin`: as `gcn` with GIN layers (Xu et al. 2019), each a 2-layer MLP; BRP-NAS-style.
- `bananas`: 5 MLPs of 10 layers x 20 units on the path encoding, each with its own seed, Adam
  lr 1e-2, MAE loss, 200 epochs (White et al., BANANAS, AAAI 2021); mean and std over members.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np

from nas_core.errors import InvalidInputError
from nas_core.registry import Param
from predictors.base import Predictor, batched, encoder_input, standardise

LOSSES = ("mse", "mae", "pairwise")
_PREDICT_BATCH = 8192
#: Bounds shared by the networks' size and training hyper-parameters.
_NET_SPECS: dict[str, Param] = {
    "hidden": Param("hidden units per layer", ge=1, le=4096),
    "layers": Param("hidden layers", ge=1, le=64),
    "epochs": Param("training epochs", ge=1, le=100_000),
    "batch_size": Param("minibatch size", ge=2, le=1_000_000),
    "lr": Param("Adam learning rate", gt=0, le=10),
    "weight_decay": Param("Adam weight decay", ge=0, le=10),
    "loss": Param("training loss ('pairwise': outputs only order archs)", choices=LOSSES),
}


@contextlib.contextmanager
def _threads(n: int) -> Iterator[None]:
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(max(1, int(n)))
    try:
        yield
    finally:
        torch.set_num_threads(old)


def _init_params(module: Any, gen: Any) -> None:
    """Re-initialise every parameter from `gen` (Xavier-uniform weights, zero biases)."""
    import torch

    with torch.no_grad():
        for name, p in module.named_parameters():
            if "bias" in name or p.dim() == 1:
                p.zero_()
            elif p.dim() == 3:  # batched members (BatchedMLP): one Xavier draw per member
                for w in p:
                    torch.nn.init.xavier_uniform_(w, generator=gen)
            elif p.dim() == 2:
                torch.nn.init.xavier_uniform_(p, generator=gen)


def _loss_fn(kind: str) -> Any:
    import torch
    import torch.nn.functional as F

    if kind == "mse":
        return F.mse_loss
    if kind == "mae":
        return F.l1_loss

    def pairwise(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        better = (target[:, None] - target[None, :]) > 0
        if not better.any():
            return pred.sum() * 0.0
        diff = pred[:, None] - pred[None, :]
        return F.softplus(-diff[better]).mean()

    return pairwise


_TOKEN_CACHE: dict[str, tuple[np.ndarray, int]] = {}


def op_tokens(space: Any) -> tuple[np.ndarray, int]:
    """(all architectures' `ops` as an int64 array indexed by space index, vocabulary size)."""
    if space.name not in _TOKEN_CACHE:
        arr = getattr(space, "op_array", None)
        if arr is None:
            if space.size is None:
                raise InvalidInputError(
                    f"the LSTM predictor needs a finite space, not {space.name}"
                )
            rows = [space.from_index(i).ops for i in range(space.size)]
            if len({len(r) for r in rows}) != 1:
                raise InvalidInputError(f"space {space.name!r} has op sequences of varying length")
            arr = np.asarray(rows)
        arr = np.asarray(arr, dtype=np.int64)
        _TOKEN_CACHE[space.name] = (arr, int(arr.max()) + 1)
    return _TOKEN_CACHE[space.name]


def open_vocab(space: Any) -> int:
    """Token vocabulary of an open space (no table to scan): every `Arch.ops` value lies below
    the largest choice count, or, where the space is no product of choices (nb101), below its
    number of op names (nb101's adjacency bits 0/1 and op ids 0..4 both do)."""
    sizes = space.choices()
    return max(int(max(sizes)) if sizes else 0, len(space.ops), 2)


def tokens_of(space: Any, idx: np.ndarray) -> np.ndarray:
    """(n, L) int64 op tokens of a batch: a table lookup on a finite space, the canonical op rows
    of an open space's Archs (checked against `open_vocab`)."""
    if idx.dtype != object:
        return op_tokens(space)[0][idx]
    rows = space.op_rows(encoder_input(idx))
    vocab = open_vocab(space)
    if rows.size and (rows.min() < 0 or rows.max() >= vocab):
        raise InvalidInputError(
            f"space {space.name!r}: op values {rows.min()}..{rows.max()} fall outside the LSTM "
            f"vocabulary 0..{vocab - 1}"
        )
    return rows


class _TorchPredictor(Predictor):
    """Shared training loop. Subclasses set `n_members` and implement `_inputs_t` and `_net`."""

    n_members: ClassVar[int] = 1

    def _inputs_t(self, idx: np.ndarray, feats: np.ndarray) -> tuple[Any, ...]:
        raise NotImplementedError

    def _net(self, dims: dict[str, int]) -> Any:
        raise NotImplementedError

    def _dims(self, idx: np.ndarray, feats: np.ndarray) -> dict[str, int]:
        raise NotImplementedError

    param_specs: ClassVar[dict[str, Param]] = _NET_SPECS

    def _fit(self, idx, feats, y):
        import torch

        ys, self.y_mean_, self.y_scale_ = standardise(y)
        self.dims_ = self._dims(idx, feats)
        with _threads(self.n_threads):
            inputs = self._inputs_t(idx, feats)
            target = torch.as_tensor(ys, dtype=torch.float32)
            members = []
            for m in range(self.n_members):
                gen = torch.Generator().manual_seed(int(self.seed) * 1000 + m)
                with torch.random.fork_rng(devices=[]):  # default init touches the global RNG
                    net = self._net(self.dims_)
                _init_params(net, gen)
                self._train(net, inputs, target, gen)
                members.append(net.eval())
            self.nets_ = members

    def _train(self, net: Any, inputs: tuple[Any, ...], y: Any, gen: Any) -> None:
        import torch

        opt = torch.optim.Adam(net.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=self.epochs)
        loss_fn = _loss_fn(self.loss)
        n = len(y)
        bs = min(int(self.batch_size), n)
        net.train()
        for _ in range(int(self.epochs)):
            perm = torch.randperm(n, generator=gen)
            for s in range(0, n, bs):
                b = perm[s : s + bs]
                if len(b) < 2:
                    continue
                loss = loss_fn(net(*(t[b] for t in inputs)), y[b])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
            sched.step()

    def _member_outputs(self, idx: np.ndarray, feats: np.ndarray) -> np.ndarray:
        import torch

        out = np.empty((len(self.nets_), len(idx)), dtype=np.float64)
        with _threads(self.n_threads), torch.no_grad():
            for sl in batched(len(idx), _PREDICT_BATCH):
                inputs = self._inputs_t(idx[sl], feats[sl])
                for m, net in enumerate(self.nets_):
                    out[m, sl] = net(*inputs).numpy()
        return out * self.y_scale_ + self.y_mean_

    def _predict(self, idx, feats):
        return self._member_outputs(idx, feats).mean(axis=0)

    def _predict_dist(self, idx, feats):
        out = self._member_outputs(idx, feats)
        return out.mean(axis=0), out.std(axis=0)

    # --- save / load ----------------------------------------------------------------------------
    def _get_state(self) -> dict[str, Any]:
        state: dict[str, Any] = {
            "y_mean": self.y_mean_,
            "y_scale": self.y_scale_,
            "dims": dict(self.dims_),
        }
        for m, net in enumerate(self.nets_):
            for k, v in net.state_dict().items():
                state[f"net{m}.{k}"] = v
        return state

    def _set_state(self, state: dict[str, Any]) -> None:
        """Rebuild the nets from stored weights. The stored input sizes must be this model's, and
        each net is first built on torch's `meta` device (no memory) to check that the file
        holds exactly its tensors: hyper-parameters edited to a huge net fail here, cheaply."""
        import torch

        self.y_mean_, self.y_scale_ = float(state["y_mean"]), float(state["y_scale"])
        dims = {str(k): int(v) for k, v in state["dims"].items()}
        want = self._dims(self._probe_batch(), np.zeros((1, self.n_features_extra_), np.float32))
        if dims != want:
            raise InvalidInputError(
                f"stored input sizes {dims} differ from this model's {want} (space, encoding "
                "and extra features)"
            )
        self.dims_ = dims
        nets = []
        for m in range(self.n_members):
            prefix = f"net{m}."
            sd = {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
            with torch.device("meta"):
                shell = self._net(dims)
            expect = {k: tuple(v.shape) for k, v in shell.state_dict().items()}
            if expect != {k: tuple(getattr(v, "shape", ())) for k, v in sd.items()}:
                raise InvalidInputError(
                    f"the stored weights of network {m} do not match the network its "
                    "hyper-parameters describe"
                )
            with torch.random.fork_rng(devices=[]):
                net = self._net(dims)
            net.load_state_dict(sd, strict=True)
            nets.append(net.eval())
        self.nets_ = nets


def _mlp(d_in: int, width: int, layers: int) -> Any:
    from torch import nn

    mods: list[Any] = []
    d = d_in
    for _ in range(layers):
        mods += [nn.Linear(d, width), nn.ReLU()]
        d = width
    mods.append(nn.Linear(d, 1))
    return nn.Sequential(*mods)


def _vector_net(d_in: int, width: int, layers: int) -> Any:
    from torch import nn

    class VectorNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.mlp = _mlp(d_in, width, layers)

        def forward(self, x):
            return self.mlp(x).squeeze(-1)

    return VectorNet()


class MLPPredictor(_TorchPredictor):
    """Feed-forward network on a space encoding (+ extra features)."""

    def __init__(
        self,
        space: str = "nb201",
        encoding: str = "onehot",
        hidden: int = 64,
        layers: int = 3,
        epochs: int = 200,
        batch_size: int = 32,
        lr: float = 1e-3,
        weight_decay: float = 1e-4,
        loss: str = "mse",
        seed: int = 0,
        n_threads: int = 1,
    ):
        self.space = space
        self.encoding = encoding
        self.hidden = hidden
        self.layers = layers
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.loss = loss
        self.seed = seed
        self.n_threads = n_threads

    def _dims(self, idx, feats):
        return {"d_in": int(self._encode(idx[:1], feats[:1]).shape[1])}

    def _inputs_t(self, idx, feats):
        import torch

        return (torch.as_tensor(self._encode(idx, feats)),)

    def _net(self, dims):
        return _vector_net(dims["d_in"], int(self.hidden), int(self.layers))


class BananasPredictor(MLPPredictor):
    """BANANAS' ensemble of feed-forward nets on the path encoding (White et al., AAAI 2021).

    The `n_models` members are trained side by side as one batched network (weights of shape
    (members, in, out), `torch.bmm`): each has its own initialisation and its own minibatch order,
    exactly as if trained one after another, at about the cost of one.
    """

    has_uncertainty = True
    param_specs: ClassVar[dict[str, Param]] = {
        "n_models": Param("ensemble members (their spread is the std)", ge=2, le=100),
    }

    def __init__(
        self,
        space: str = "nb201",
        encoding: str = "path",
        n_models: int = 5,
        hidden: int = 20,
        layers: int = 10,
        epochs: int = 200,
        batch_size: int = 32,
        lr: float = 1e-2,
        weight_decay: float = 0.0,
        loss: str = "mae",
        seed: int = 0,
        n_threads: int = 1,
    ):
        super().__init__(
            space, encoding, hidden, layers, epochs, batch_size, lr, weight_decay, loss, seed,
            n_threads,
        )  # fmt: skip
        self.n_models = n_models

    def _net(self, dims):
        return _batched_mlp(int(self.n_models), dims["d_in"], int(self.hidden), int(self.layers))

    def _train(self, net, inputs, y, gen):
        import torch

        opt = torch.optim.Adam(net.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=self.epochs)
        loss_fn = _loss_fn(self.loss)
        (x,) = inputs
        n, m = len(y), int(self.n_models)
        bs = min(int(self.batch_size), n)
        net.train()
        for _ in range(int(self.epochs)):
            perms = torch.stack([torch.randperm(n, generator=gen) for _ in range(m)])
            for s in range(0, n, bs):
                b = perms[:, s : s + bs]  # (members, batch): each member its own order
                if b.shape[1] < 2:
                    continue
                out = net(x[b])
                yb = y[b]
                loss = sum(loss_fn(out[k], yb[k]) for k in range(m))
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
            sched.step()

    def _member_outputs(self, idx, feats):
        import torch

        out = np.empty((int(self.n_models), len(idx)), dtype=np.float64)
        (net,) = self.nets_
        with _threads(self.n_threads), torch.no_grad():
            for sl in batched(len(idx), _PREDICT_BATCH):
                (x,) = self._inputs_t(idx[sl], feats[sl])
                out[:, sl] = net(x).numpy()
        return out * self.y_scale_ + self.y_mean_


def _batched_mlp(members: int, d_in: int, width: int, layers: int) -> Any:
    """`members` independent MLPs evaluated with batched matrix products.

    Shapes: input (B, d_in) (shared) or (members, B, d_in); output (members, B)."""
    import torch
    from torch import nn

    class BatchedMLP(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            dims = [d_in] + [width] * layers + [1]
            self.weights = nn.ParameterList(
                nn.Parameter(torch.empty(members, a, b))
                for a, b in zip(dims, dims[1:], strict=False)
            )
            self.biases = nn.ParameterList(
                nn.Parameter(torch.zeros(members, 1, b)) for b in dims[1:]
            )

        def forward(self, x):
            if x.dim() == 2:
                x = x.unsqueeze(0).expand(members, -1, -1)
            last = len(self.weights) - 1
            for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
                x = torch.baddbmm(b, x, w)
                if i < last:
                    x = torch.relu(x)
            return x.squeeze(-1)

    return BatchedMLP()


class LSTMPredictor(_TorchPredictor):
    """LSTM over the architecture's op sequence (`Arch.ops`), extra features join at the head."""

    encodings = ()
    param_specs: ClassVar[dict[str, Param]] = {
        "embedding": Param("op embedding size", ge=1, le=4096),
    }

    def __init__(
        self,
        space: str = "nb201",
        embedding: int = 32,
        hidden: int = 64,
        epochs: int = 200,
        batch_size: int = 32,
        lr: float = 1e-3,
        weight_decay: float = 1e-4,
        loss: str = "mse",
        seed: int = 0,
        n_threads: int = 1,
    ):
        self.space = space
        self.embedding = embedding
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.loss = loss
        self.seed = seed
        self.n_threads = n_threads

    def _dims(self, idx, feats):
        space = self._resolve_space()
        vocab = op_tokens(space)[1] if space.size is not None else open_vocab(space)
        return {"vocab": vocab, "k": int(feats.shape[1])}

    def _inputs_t(self, idx, feats):
        import torch

        tokens = tokens_of(self._resolve_space(), idx)
        return torch.as_tensor(tokens), torch.as_tensor(feats, dtype=torch.float32)

    def _net(self, dims):
        from torch import nn

        emb_d, hid = int(self.embedding), int(self.hidden)

        class LSTMNet(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.emb = nn.Embedding(dims["vocab"], emb_d)
                self.lstm = nn.LSTM(emb_d, hid, batch_first=True)
                self.head = _mlp(hid + dims["k"], hid, 1)

            def forward(self, tokens, feats):
                _, (h, _) = self.lstm(self.emb(tokens))
                return self.head(torch_cat(h[-1], feats)).squeeze(-1)

        return LSTMNet()


def torch_cat(a: Any, b: Any) -> Any:
    import torch

    return torch.cat([a, b], dim=1) if b.shape[1] else a


class _GraphPredictor(_TorchPredictor):
    """Dense message passing over `space.graph_arrays` (op-on-node DAGs of a fixed node count)."""

    encodings = ()
    conv: ClassVar[str] = "gin"
    param_specs: ClassVar[dict[str, Param]] = {
        "directed": Param("pass messages along edge directions only (default: both ways)"),
    }

    def __init__(
        self,
        space: str = "nb201",
        hidden: int = 64,
        layers: int = 3,
        epochs: int = 200,
        batch_size: int = 32,
        lr: float = 1e-3,
        weight_decay: float = 1e-4,
        loss: str = "mse",
        directed: bool = False,
        seed: int = 0,
        n_threads: int = 1,
    ):
        self.space = space
        self.hidden = hidden
        self.layers = layers
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.loss = loss
        self.directed = directed
        self.seed = seed
        self.n_threads = n_threads

    def _dims(self, idx, feats):
        _adj, x = self._resolve_space().graph_arrays(encoder_input(idx[:1]))
        return {"f": int(x.shape[2]), "k": int(feats.shape[1])}

    def _inputs_t(self, idx, feats):
        import torch

        adj, x = self._resolve_space().graph_arrays(encoder_input(idx))
        adj = torch.as_tensor(adj)
        # adj[b, i, j] = 1 for edge i -> j; dense convs aggregate row-wise, so in-edges = adj^T.
        adj = adj.transpose(1, 2) if self.directed else (adj + adj.transpose(1, 2)).clamp(max=1)
        return torch.as_tensor(x), adj.contiguous(), torch.as_tensor(feats, dtype=torch.float32)

    def _net(self, dims):
        from torch import nn
        from torch_geometric.nn import DenseGCNConv, DenseGINConv

        hid, n_layers, conv = int(self.hidden), int(self.layers), self.conv

        class GraphNet(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                convs = []
                d = dims["f"]
                for _ in range(n_layers):
                    if conv == "gin":
                        mlp = nn.Sequential(nn.Linear(d, hid), nn.ReLU(), nn.Linear(hid, hid))
                        convs.append(DenseGINConv(mlp))
                    else:
                        convs.append(DenseGCNConv(d, hid))
                    d = hid
                self.convs = nn.ModuleList(convs)
                self.head = _mlp(hid + dims["k"], hid, 1)

            def forward(self, x, adj, feats):
                for c in self.convs:
                    x = torch_relu(c(x, adj))
                return self.head(torch_cat(x.mean(dim=1), feats)).squeeze(-1)

        return GraphNet()


def torch_relu(x: Any) -> Any:
    import torch

    return torch.relu(x)


class GCNPredictor(_GraphPredictor):
    """Graph convolutional network predictor (Kipf & Welling 2017; Wen et al. 2020)."""

    conv = "gcn"


class GINPredictor(_GraphPredictor):
    """Graph isomorphism network predictor (Xu et al. 2019)."""

    conv = "gin"
