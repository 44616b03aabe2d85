//! The descriptor limit: each connection is one, so the cap on connections is bounded by it.

/// Allow this process `wanted` descriptors if the hard limit lets it (the soft limit is often 1024 while the hard
/// one is far higher); returns the soft limit in force afterwards, None when it cannot be read.
pub fn raise_descriptor_limit(wanted: u64) -> Option<u64> {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit write/read the struct we pass and nothing else.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return None;
        }
        if (lim.rlim_cur as u64) < wanted {
            let raised = libc::rlimit { rlim_cur: (wanted as libc::rlim_t).min(lim.rlim_max), rlim_max: lim.rlim_max };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                lim.rlim_cur = raised.rlim_cur;
            }
        }
    }
    Some(lim.rlim_cur as u64)
}
