"""One module per proxy; importing this package registers them all."""

from zerocost.proxies import (  # noqa: F401
    epe_nas,
    fisher,
    flops,
    grad_norm,
    grasp,
    jacov,
    l2_norm,
    linear_regions,
    naswot,
    ntk,
    params,
    plain,
    snip,
    synflow,
    zen,
)
