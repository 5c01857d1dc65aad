"""A proxy that needs an optional network hook gets it, or one clear error naming what is missing."""

from __future__ import annotations

import pytest
import torch

from nas_core.errors import InvalidInputError
from nas_core.networks import build
from nas_core.networks.protocol import require_hook


def test_require_hook_returns_the_hook_or_names_the_proxy_and_the_network():
    net = build((2, 3, 4, 0, 2, 3), 10, C=8, N=1)
    assert require_hook(net, "count_flops", "flops", "FLOPs")((32, 32)) > 0
    with pytest.raises(
        InvalidInputError, match=r"zen needs the network's feature_map\(\) hook.*Linear has none"
    ):
        require_hook(torch.nn.Linear(2, 2), "feature_map", "zen", "the map before pooling")
