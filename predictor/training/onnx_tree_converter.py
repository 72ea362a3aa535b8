"""Converts a fitted binary sklearn GradientBoostingClassifier to ONNX.

Written here rather than taken from skl2onnx so that the pipeline depends only on sklearn and
onnx, and so that every detail that decides parity with sklearn is visible in one place:

* one ``ai.onnx.ml`` TreeEnsembleRegressor sums every tree's leaf value (multiplied by the
  learning rate) onto ``base_values`` (the init estimator's log-odds), then ``Sigmoid`` turns the
  log-odds into the arrest probability, exactly as ``predict_proba[:, 1]`` does;
* sklearn sends a sample left when ``x <= threshold`` (mode ``BRANCH_LEQ``, left = true branch)
  and compares float32-cast inputs against float64 thresholds. ONNX stores float32 thresholds,
  so each threshold is rounded *down* to the largest float32 not above it: for any float32 ``x``,
  ``x <= t64`` then holds exactly when ``x <= t32``, so no sample changes branch.

``evaluate_onnx_trees`` walks the trees read back from the ONNX proto with numpy, in the same
float32 arithmetic onnxruntime uses, so train.py can prove the written file reproduces sklearn
before anything is committed.
"""

import json

import numpy as np
import onnx
from onnx import TensorProto, helper
from sklearn.ensemble import GradientBoostingClassifier

DEFAULT_OPSET = 15
ML_OPSET = 3
# IR version 8 is what onnx 1.12 writes for these opsets; onnxruntime reads it.
IR_VERSION = 8
INPUT_NAME = "features"
OUTPUT_NAME = "arrest_probability"
LOG_ODDS_NAME = "arrest_log_odds"
ML_DOMAIN = "ai.onnx.ml"


def float32_at_most(values):
    """Rounds float64 thresholds down to float32, so ``x <= t`` keeps its truth for float32 x.

    Nearest rounding (``astype(np.float32)``) can round a split midpoint *up* onto the next data
    value, which would send that value left where sklearn sends it right.
    """
    values = np.asarray(values, dtype=np.float64)
    rounded = values.astype(np.float32)
    above = rounded.astype(np.float64) > values
    rounded[above] = np.nextafter(rounded[above], np.float32(-np.inf))
    return rounded


def init_log_odds(model, feature_count):
    """The constant raw score sklearn starts every prediction from (log-odds of the prior).

    Read with the same private helper predict_proba uses and cross-checked against the logit of
    the init estimator's probability, so a change in sklearn internals fails here, not silently.
    """
    probe = np.zeros((1, feature_count), dtype=np.float32)
    raw = float(model._raw_predict_init(probe)[0, 0])
    prior = float(model.init_.predict_proba(probe)[0, 1])
    expected = float(np.log(prior / (1.0 - prior)))
    if not np.isclose(raw, expected, rtol=0, atol=1e-12):
        raise ValueError(f"init raw prediction {raw} is not the logit of the prior {prior}")
    return raw


def _check_supported(model, feature_count):
    """Refuses models this converter would translate wrongly instead of writing a bad file."""
    if not isinstance(model, GradientBoostingClassifier):
        raise TypeError(f"expected GradientBoostingClassifier, got {type(model).__name__}")
    if not hasattr(model, "estimators_"):
        raise ValueError("the model is not fitted")
    if len(model.classes_) != 2 or model.estimators_.shape[1] != 1:
        raise ValueError("only binary classification is supported")
    if model.loss not in ("log_loss", "deviance"):
        raise ValueError(f"only the log_loss loss is supported, got {model.loss!r}")
    if model.init not in (None, "zero") and not hasattr(model.init_, "class_prior_"):
        raise ValueError("only the default (prior) or zero init estimator is supported")
    if model.n_features_in_ != feature_count:
        raise ValueError(f"model has {model.n_features_in_} features, expected {feature_count}")


def _tree_attributes(model):
    """Flattens every tree into the parallel lists TreeEnsembleRegressor takes."""
    learning_rate = float(model.learning_rate)
    nodes = {key: [] for key in ("treeids", "nodeids", "featureids", "values", "modes", "true", "false")}
    targets = {key: [] for key in ("treeids", "nodeids", "ids", "weights")}
    for tree_id, estimator in enumerate(model.estimators_[:, 0]):
        tree = estimator.tree_
        if tree.n_outputs != 1:
            raise ValueError("expected single-output regression trees")
        count = tree.node_count
        is_leaf = tree.children_left == -1
        thresholds = float32_at_most(tree.threshold)
        for node in range(count):
            nodes["treeids"].append(tree_id)
            nodes["nodeids"].append(node)
            if is_leaf[node]:
                nodes["featureids"].append(0)
                nodes["values"].append(0.0)
                nodes["modes"].append("LEAF")
                nodes["true"].append(0)
                nodes["false"].append(0)
                targets["treeids"].append(tree_id)
                targets["nodeids"].append(node)
                targets["ids"].append(0)
                targets["weights"].append(float(tree.value[node, 0, 0]) * learning_rate)
            else:
                nodes["featureids"].append(int(tree.feature[node]))
                nodes["values"].append(float(thresholds[node]))
                nodes["modes"].append("BRANCH_LEQ")
                nodes["true"].append(int(tree.children_left[node]))
                nodes["false"].append(int(tree.children_right[node]))
    return nodes, targets


def convert(model, feature_names, model_version=None, extra_metadata=None):
    """Builds the ONNX model: features float32 [N, F] -> arrest_probability float32 [N, 1].

    ``model_version`` and ``extra_metadata`` become metadata_props; the version is optional so
    the caller can hash the metadata-free graph first and derive the version from it.
    """
    feature_count = len(feature_names)
    _check_supported(model, feature_count)
    nodes, targets = _tree_attributes(model)
    base = init_log_odds(model, feature_count) if model.init != "zero" else 0.0

    ensemble = helper.make_node(
        "TreeEnsembleRegressor",
        inputs=[INPUT_NAME],
        outputs=[LOG_ODDS_NAME],
        name="gradient_boosted_trees",
        domain=ML_DOMAIN,
        n_targets=1,
        aggregate_function="SUM",
        post_transform="NONE",
        base_values=[base],
        nodes_treeids=nodes["treeids"],
        nodes_nodeids=nodes["nodeids"],
        nodes_featureids=nodes["featureids"],
        nodes_values=nodes["values"],
        nodes_modes=nodes["modes"],
        nodes_truenodeids=nodes["true"],
        nodes_falsenodeids=nodes["false"],
        target_treeids=targets["treeids"],
        target_nodeids=targets["nodeids"],
        target_ids=targets["ids"],
        target_weights=targets["weights"],
    )
    sigmoid = helper.make_node("Sigmoid", [LOG_ODDS_NAME], [OUTPUT_NAME], name="log_odds_to_probability")
    graph = helper.make_graph(
        [ensemble, sigmoid],
        "arrest_gbt",
        inputs=[helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, ["N", feature_count])],
        outputs=[helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, ["N", 1])],
        doc_string=(
            f"P(arrest) from {feature_count} encoded incident features "
            f"({model.n_estimators_} gradient-boosted trees, max depth {model.max_depth})."
        ),
    )
    onnx_model = helper.make_model(
        graph,
        producer_name="vigil-onnx-tree-converter",
        producer_version="1",
        ir_version=IR_VERSION,
        opset_imports=[helper.make_opsetid("", DEFAULT_OPSET), helper.make_opsetid(ML_DOMAIN, ML_OPSET)],
    )
    metadata = {"feature_names": json.dumps(list(feature_names)), "feature_count": str(feature_count)}
    if model_version is not None:
        metadata["model_version"] = model_version
    metadata.update(extra_metadata or {})
    helper.set_model_props(onnx_model, metadata)
    onnx.checker.check_model(onnx_model, full_check=True)
    return onnx_model


def _ensemble_node(onnx_model):
    """The single TreeEnsembleRegressor node of a model written by ``convert``."""
    found = [node for node in onnx_model.graph.node if node.op_type == "TreeEnsembleRegressor"]
    if len(found) != 1:
        raise ValueError(f"expected one TreeEnsembleRegressor, found {len(found)}")
    return {attribute.name: helper.get_attribute_value(attribute) for attribute in found[0].attribute}


def evaluate_onnx_trees(onnx_model, features):
    """Evaluates the ONNX trees with numpy, as onnxruntime does, from the proto itself.

    Returns (probabilities float32 [N], leaves int [N, trees]) where ``leaves`` are the node ids
    reached, comparable with sklearn's ``apply``. Scores are summed tree by tree in float32 with
    float32 weights and thresholds, which is the arithmetic of onnxruntime's float kernel.
    """
    attributes = _ensemble_node(onnx_model)
    features = np.ascontiguousarray(features, dtype=np.float32)
    rows = features.shape[0]
    tree_ids = np.asarray(attributes["nodes_treeids"])
    node_ids = np.asarray(attributes["nodes_nodeids"])
    feature_ids = np.asarray(attributes["nodes_featureids"])
    thresholds = np.asarray(attributes["nodes_values"], dtype=np.float32)
    modes = np.asarray([mode.decode() for mode in attributes["nodes_modes"]])
    true_ids = np.asarray(attributes["nodes_truenodeids"])
    false_ids = np.asarray(attributes["nodes_falsenodeids"])
    if not set(modes) <= {"BRANCH_LEQ", "LEAF"}:
        raise ValueError(f"unexpected node modes {sorted(set(modes))}")
    weight_of = {
        (tree, node): np.float32(weight)
        for tree, node, weight in zip(
            attributes["target_treeids"], attributes["target_nodeids"], attributes["target_weights"]
        )
    }

    tree_count = int(tree_ids.max()) + 1
    score = np.zeros(rows, dtype=np.float32)
    leaves = np.zeros((rows, tree_count), dtype=np.int64)
    for tree in range(tree_count):
        in_tree = tree_ids == tree
        count = int(node_ids[in_tree].max()) + 1
        feature = np.zeros(count, dtype=np.int64)
        threshold = np.zeros(count, dtype=np.float32)
        left = np.full(count, -1, dtype=np.int64)
        right = np.full(count, -1, dtype=np.int64)
        weight = np.zeros(count, dtype=np.float32)
        for index in np.flatnonzero(in_tree):
            node = node_ids[index]
            if modes[index] == "LEAF":
                weight[node] = weight_of[(tree, int(node))]
            else:
                feature[node] = feature_ids[index]
                threshold[node] = thresholds[index]
                left[node] = true_ids[index]
                right[node] = false_ids[index]
        position = np.zeros(rows, dtype=np.int64)
        while True:
            active = np.flatnonzero(left[position] != -1)
            if active.size == 0:
                break
            at = position[active]
            goes_left = features[active, feature[at]] <= threshold[at]
            position[active] = np.where(goes_left, left[at], right[at])
        leaves[:, tree] = position
        score += weight[position]
    log_odds = score + np.float32(attributes["base_values"][0])
    probabilities = (1.0 / (1.0 + np.exp(-log_odds.astype(np.float64)))).astype(np.float32)
    return probabilities, leaves
