namespace RedisCluster.Engine.Protocol
{
    /// <summary>
    /// What an error reply's first word says, for the errors some part of the engine acts on. The server is the
    /// authority on the words; an error whose word is not one of these is <see cref="Other"/>.
    /// </summary>
    public enum ErrorReplyKind
    {
        /// <summary>Not an error reply.</summary>
        None,

        /// <summary>An error with a word not listed here (including the generic ERR).</summary>
        Other,

        /// <summary>The generic "ERR ..." error.</summary>
        Err,

        /// <summary>MOVED slot host:port: the slot lives on another node now.</summary>
        Moved,

        /// <summary>ASK slot host:port: this one command goes to another node (the slot is migrating).</summary>
        Ask,

        /// <summary>TRYAGAIN: a multi-key command hit a slot in the middle of a migration.</summary>
        TryAgain,

        /// <summary>CLUSTERDOWN: the cluster (or the slot) is not served.</summary>
        ClusterDown,

        /// <summary>MASTERDOWN: a replica lost its primary and does not serve stale data.</summary>
        MasterDown,

        /// <summary>LOADING: the node is loading its data set into memory.</summary>
        Loading,

        /// <summary>BUSY: a script or function is running and blocks the node.</summary>
        Busy,

        /// <summary>NOTBUSY: SCRIPT KILL / FUNCTION KILL found nothing running.</summary>
        NotBusy,

        /// <summary>UNKILLABLE: the running script already wrote, so only SHUTDOWN NOSAVE stops it.</summary>
        Unkillable,

        /// <summary>BUSYKEY: the target key exists (RESTORE, MIGRATE).</summary>
        BusyKey,

        /// <summary>NOSCRIPT: EVALSHA of a script the node does not have.</summary>
        NoScript,

        /// <summary>EXECABORT: the transaction was discarded, nothing of it ran.</summary>
        ExecAbort,

        /// <summary>READONLY: a write sent to a replica.</summary>
        ReadOnly,

        /// <summary>CROSSSLOT: the keys of one command hash to more than one slot.</summary>
        CrossSlot,

        /// <summary>WRONGTYPE: the key holds another type.</summary>
        WrongType,

        /// <summary>NOAUTH: authentication is required.</summary>
        NoAuth,

        /// <summary>NOPERM: the ACL user may not run this.</summary>
        NoPerm,

        /// <summary>WRONGPASS: the user name or password is wrong.</summary>
        WrongPass,

        /// <summary>NOPROTO: the server does not speak the protocol version HELLO asked for.</summary>
        NoProto,

        /// <summary>OOM: the write would exceed maxmemory.</summary>
        OutOfMemory,
    }
}
