namespace Microsoft.ML.Subspaces.Transformers;

/// <summary>
/// The holders of a native resource: its owner's hold, plus one per sharer or call in flight. The resource is released
/// when the last hold is dropped, on the thread that drops it, and no hold can be taken after that. This is what lets
/// any number of transformers, engines and threads use one set of weights and dispose in any order without a call
/// ever touching freed memory.
/// </summary>
internal sealed class Holds
{
    private readonly Action _release;
    private int _count = 1;

    /// <param name="release">Frees the resource; runs once, when the count reaches zero.</param>
    public Holds(Action release) => _release = release;

    /// <summary>Whether the resource is still held by anyone.</summary>
    public bool IsAlive => Volatile.Read(ref _count) > 0;

    /// <summary>Takes a hold unless the resource was already released.</summary>
    public bool TryTake()
    {
        while (true)
        {
            int count = Volatile.Read(ref _count);
            if (count <= 0) return false;
            if (Interlocked.CompareExchange(ref _count, count + 1, count) == count) return true;
        }
    }

    /// <summary>Takes a hold, or throws <see cref="ObjectDisposedException"/> naming <paramref name="what"/>.</summary>
    public void Take(string what)
    {
        if (!TryTake()) throw new ObjectDisposedException(what, $"The {what} was already released.");
    }

    /// <summary>Drops a hold; the last one releases the resource.</summary>
    public void Drop()
    {
        int count = Interlocked.Decrement(ref _count);
        if (count == 0) _release();
        else if (count < 0) throw new InvalidOperationException("A hold was dropped more often than it was taken.");
    }
}
