using Microsoft.ML.Data;

namespace Microsoft.ML.Subspaces.Transformers;

/// <summary>
/// Row-at-a-time scoring for <c>PredictionEngine</c>: computes the task's columns (<see cref="PredictionColumns"/>) for
/// the current input row on first access, once per row.
/// </summary>
internal sealed class ScoringRowMapper : IRowToRowMapper
{
    private readonly ScorerTransformer _scorer;
    private readonly DataViewSchema.Column _features;

    private readonly bool _ownsScorer;

    public ScoringRowMapper(ScorerTransformer scorer, DataViewSchema inputSchema)
    {
        // A PredictionEngine disposes its model when it is disposed (OwnsTransformer defaults to true), and a server
        // keeps many engines over one model: each mapper scores with its own share of the weights, so that disposing
        // one engine, and with it the model, leaves the other engines working. The share is dropped when the mapper
        // (which every row of it references) is collected.
        _scorer = scorer.ShareWeights() ?? scorer;
        _ownsScorer = !ReferenceEquals(_scorer, scorer);
        InputSchema = inputSchema;
        OutputSchema = scorer.GetOutputSchema(inputSchema);
        _features = inputSchema[scorer.FeatureColumnName];
    }

    ~ScoringRowMapper()
    {
        if (_ownsScorer) _scorer.Dispose();
    }

    public DataViewSchema InputSchema { get; }
    public DataViewSchema OutputSchema { get; }

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        var result = new List<DataViewSchema.Column>();
        bool scores = false;
        foreach (var c in dependingColumns)
        {
            if (c.Index < InputSchema.Count) result.Add(InputSchema[c.Index]);
            else scores = true;
        }
        if (scores && !result.Any(c => c.Index == _features.Index)) result.Add(_features);
        return result;
    }

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) =>
        new Row(this, input, activeColumns.Select(c => c.Index).ToHashSet());

    private sealed class Row : DataViewRow
    {
        private readonly ScoringRowMapper _mapper;
        private readonly DataViewRow _input;
        private readonly HashSet<int> _active;
        private readonly ValueGetter<VBuffer<float>>? _getFeatures;
        private readonly float[] _features;
        private float[] _probabilities = Array.Empty<float>();
        private long _scoredPosition = -1;
        private VBuffer<float> _buffer;

        public Row(ScoringRowMapper mapper, DataViewRow input, HashSet<int> active)
        {
            _mapper = mapper;
            _input = input;
            _active = active;
            int count = mapper.InputSchema.Count;
            _features = new float[mapper._scorer.FeatureSize];
            if (active.Any(i => i >= count)) _getFeatures = input.GetGetter<VBuffer<float>>(mapper._features);
        }

        public override DataViewSchema Schema => _mapper.OutputSchema;
        public override long Position => _input.Position;
        public override long Batch => _input.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) =>
            column.Index < _mapper.InputSchema.Count ? _input.IsColumnActive(_mapper.InputSchema[column.Index]) : _active.Contains(column.Index);

        private ReadOnlySpan<float> Probabilities()
        {
            // PredictionEngine advances Position for every prediction; the feature comparison also guards
            // against a caller that reuses a row object without moving it.
            _getFeatures!(ref _buffer);
            if (_buffer.Length != _features.Length)
                throw new InvalidOperationException($"Features column '{_mapper._scorer.FeatureColumnName}' has {_buffer.Length} values; the model expects {_features.Length}.");
            var current = new float[_features.Length];
            _buffer.CopyTo(current);
            if (_scoredPosition != _input.Position || !current.AsSpan().SequenceEqual(_features))
            {
                current.CopyTo(_features, 0);
                _probabilities = _mapper._scorer.PredictProbabilities(_features, 1);
                _scoredPosition = _input.Position;
            }
            return _probabilities;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            int count = _mapper.InputSchema.Count;
            if (column.Index < count) return _input.GetGetter<TValue>(_mapper.InputSchema[column.Index]);
            if (!_active.Contains(column.Index)) throw new InvalidOperationException($"Column '{column.Name}' is not active.");
            return PredictionColumns.Getter<TValue>(_mapper._scorer.Output, column.Index - count, column.Name, Probabilities);
        }
    }
}
