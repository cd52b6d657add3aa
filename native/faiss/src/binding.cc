// A small N-API binding over libfaiss. Everything that touches vectors runs on the libuv
// thread pool (Napi::AsyncWorker) so the JavaScript event loop is never blocked by a search,
// an add or file I/O. A reader/writer lock per index lets searches run side by side while
// adds, removals and disposal wait for them.
#include <napi.h>

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexIVF.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/index_io.h>

#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_set>
#include <vector>

namespace {

// int64_t is faiss's idx_t in every release (1.7 named it faiss::Index::idx_t, later ones faiss::idx_t).
using idx_t = int64_t;

enum class Kind { Flat, HNSW, IVF };

const char* kindName(Kind kind) {
  switch (kind) {
    case Kind::Flat: return "flat";
    case Kind::HNSW: return "hnsw";
    case Kind::IVF: return "ivf";
  }
  return "flat";
}

// The index lives in a shared Core so a worker still running after its JavaScript object was
// collected keeps the index alive until it finishes.
//
// Flat and HNSW are wrapped in IndexIDMap2 (ids + reverse map for reconstruction). IVF keeps
// ids natively; IndexIDMap's remove_ids assumes the inner index renumbers like IndexFlat,
// which IVF does not, so an IDMap over IVF would map wrong ids after a removal.
//
// FAISS's HNSW cannot remove vectors, so removal there leaves a tombstone: the position is
// dropped from the reverse map and skipped by every search until the owner rebuilds the index.
struct Core {
  std::shared_mutex mutex;
  std::unique_ptr<faiss::Index> top;
  Kind kind = Kind::Flat;
  int dim = 0;
  std::unordered_set<idx_t> tombstones;  // internal positions, HNSW only

  // Work queued before dispose() may run after it; it must fail cleanly, not dereference null.
  faiss::Index* require() const {
    if (!top) throw std::runtime_error("index is disposed");
    return top.get();
  }
  faiss::IndexIDMap2* idMap() const { return dynamic_cast<faiss::IndexIDMap2*>(top.get()); }
  faiss::Index* inner() const {
    auto* map = idMap();
    return map ? map->index : top.get();
  }
  size_t live() const { return static_cast<size_t>(top->ntotal) - tombstones.size(); }
};

// Admits a position when it is not a tombstone and, given an allow-list, is on it.
struct LiveSelector : faiss::IDSelector {
  const std::unordered_set<idx_t>& dead;
  const faiss::IDSelector* allow;
  LiveSelector(const std::unordered_set<idx_t>& d, const faiss::IDSelector* a) : dead(d), allow(a) {}
  bool is_member(idx_t id) const override { return dead.count(id) == 0 && (!allow || allow->is_member(id)); }
};

std::shared_ptr<Core> adoptIndex(faiss::Index* raw) {
  auto core = std::make_shared<Core>();
  core->top.reset(raw);
  core->dim = static_cast<int>(raw->d);
  faiss::Index* inner = core->inner();
  if (dynamic_cast<faiss::IndexHNSW*>(inner)) {
    core->kind = Kind::HNSW;
  } else if (auto* ivf = dynamic_cast<faiss::IndexIVF*>(inner)) {
    core->kind = Kind::IVF;
    if (ivf->direct_map.type != faiss::DirectMap::Hashtable) {
      ivf->set_direct_map_type(faiss::DirectMap::Hashtable);
    }
  } else if (dynamic_cast<faiss::IndexFlat*>(inner)) {
    core->kind = Kind::Flat;
  } else {
    throw std::runtime_error("unsupported index type in file");
  }
  return core;
}

// Keeps a typed array's memory alive (and unmoved) while a worker reads it, without a copy.
template <typename T>
struct Pinned {
  Napi::Reference<Napi::TypedArrayOf<T>> ref;
  const T* data = nullptr;
  size_t length = 0;

  Pinned() = default;
  explicit Pinned(const Napi::TypedArrayOf<T>& array)
      : ref(Napi::Persistent(array)), data(array.Data()), length(array.ElementLength()) {}
};

class Worker : public Napi::AsyncWorker {
 public:
  explicit Worker(Napi::Env env)
      : Napi::AsyncWorker(env, "faiss"), deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise Queue_() {
    Queue();
    return deferred_.Promise();
  }

 protected:
  void Execute() override {
    try {
      Run();
    } catch (const faiss::FaissException& e) {
      SetError(e.msg);
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() override { deferred_.Resolve(Result(Env())); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

  virtual void Run() = 0;
  virtual Napi::Value Result(Napi::Env env) { return env.Undefined(); }

 private:
  Napi::Promise::Deferred deferred_;
};

class FaissIndex : public Napi::ObjectWrap<FaissIndex> {
 public:
  static Napi::FunctionReference* constructor;

  static Napi::Object Init(Napi::Env env, Napi::Object exports) {
    Napi::Function fn = DefineClass(
        env, "FaissIndex",
        {
            InstanceMethod<&FaissIndex::Train>("train"),
            InstanceMethod<&FaissIndex::Add>("add"),
            InstanceMethod<&FaissIndex::Remove>("remove"),
            InstanceMethod<&FaissIndex::Search>("search"),
            InstanceMethod<&FaissIndex::Reconstruct>("reconstruct"),
            InstanceMethod<&FaissIndex::Labels>("labels"),
            InstanceMethod<&FaissIndex::Write>("write"),
            InstanceMethod<&FaissIndex::Dispose>("dispose"),
            InstanceAccessor<&FaissIndex::Ntotal>("ntotal"),
            InstanceAccessor<&FaissIndex::Tombstones>("tombstones"),
            InstanceAccessor<&FaissIndex::Dim>("dim"),
            InstanceAccessor<&FaissIndex::KindAccessor>("kind"),
            InstanceAccessor<&FaissIndex::IsTrained>("isTrained"),
            StaticMethod<&FaissIndex::Read>("read"),
        });
    constructor = new Napi::FunctionReference(Napi::Persistent(fn));
    exports.Set("FaissIndex", fn);
    return exports;
  }

  // new FaissIndex({ dim, kind, M, efConstruction, efSearch, nlist }) or, internally,
  // new FaissIndex(External<Core>) when read from a file.
  explicit FaissIndex(const Napi::CallbackInfo& info) : Napi::ObjectWrap<FaissIndex>(info) {
    Napi::Env env = info.Env();
    if (info.Length() == 1 && info[0].IsExternal()) {
      core_ = *info[0].As<Napi::External<std::shared_ptr<Core>>>().Data();
      return;
    }
    if (info.Length() < 1 || !info[0].IsObject()) {
      throw Napi::TypeError::New(env, "options object expected");
    }
    Napi::Object opts = info[0].As<Napi::Object>();
    int dim = intOption(opts, "dim", 0);
    if (dim <= 0) throw Napi::RangeError::New(env, "dim must be a positive integer");
    std::string kind = opts.Has("kind") ? opts.Get("kind").ToString().Utf8Value() : "flat";
    try {
      faiss::Index* raw = nullptr;
      if (kind == "flat") {
        auto* map = new faiss::IndexIDMap2(new faiss::IndexFlatIP(dim));
        map->own_fields = true;
        raw = map;
      } else if (kind == "hnsw") {
        auto* hnsw = new faiss::IndexHNSWFlat(dim, intOption(opts, "M", 32), faiss::METRIC_INNER_PRODUCT);
        hnsw->hnsw.efConstruction = intOption(opts, "efConstruction", 200);
        hnsw->hnsw.efSearch = intOption(opts, "efSearch", 64);
        auto* map = new faiss::IndexIDMap2(hnsw);
        map->own_fields = true;
        raw = map;
      } else if (kind == "ivf") {
        auto* ivf = new faiss::IndexIVFFlat(new faiss::IndexFlatIP(dim), dim, intOption(opts, "nlist", 1024),
                                            faiss::METRIC_INNER_PRODUCT);
        ivf->own_fields = true;
        ivf->nprobe = intOption(opts, "nprobe", 32);
        raw = ivf;
      } else {
        throw Napi::TypeError::New(env, "kind must be flat, hnsw or ivf");
      }
      core_ = adoptIndex(raw);
    } catch (const faiss::FaissException& e) {
      throw Napi::Error::New(env, e.msg);
    }
  }

 private:
  std::shared_ptr<Core> core_;

  static int intOption(const Napi::Object& opts, const char* name, int fallback) {
    if (!opts.Has(name) || opts.Get(name).IsUndefined()) return fallback;
    return opts.Get(name).ToNumber().Int32Value();
  }

  std::shared_ptr<Core> live(Napi::Env env) {
    if (!core_) throw Napi::Error::New(env, "index is disposed");
    return core_;
  }

  Napi::Value Ntotal(const Napi::CallbackInfo& info) {
    auto core = live(info.Env());
    // Read without the lock: taking it could block the event loop behind an add, and a plain
    // integer read mid-add only yields a slightly stale count.
    return Napi::Number::New(info.Env(), static_cast<double>(core->live()));
  }
  Napi::Value Tombstones(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(live(info.Env())->tombstones.size()));
  }
  Napi::Value Dim(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), live(info.Env())->dim); }
  Napi::Value KindAccessor(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), kindName(live(info.Env())->kind));
  }
  Napi::Value IsTrained(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), live(info.Env())->top->is_trained);
  }

  static Pinned<float> vectorsArg(const Napi::CallbackInfo& info, size_t i, int dim) {
    if (info.Length() <= i || !info[i].IsTypedArray() ||
        info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
      throw Napi::TypeError::New(info.Env(), "Float32Array expected");
    }
    Pinned<float> pinned(info[i].As<Napi::Float32Array>());
    if (pinned.length % dim != 0) throw Napi::RangeError::New(info.Env(), "vector length is not a multiple of dim");
    return pinned;
  }

  static Pinned<int64_t> idsArg(const Napi::CallbackInfo& info, size_t i) {
    if (info.Length() <= i || !info[i].IsTypedArray() ||
        info[i].As<Napi::TypedArray>().TypedArrayType() != napi_bigint64_array) {
      throw Napi::TypeError::New(info.Env(), "BigInt64Array expected");
    }
    return Pinned<int64_t>(info[i].As<Napi::BigInt64Array>());
  }

  // train(vectors): IVF needs its coarse centroids before the first add.
  Napi::Value Train(const Napi::CallbackInfo& info) {
    struct W : Worker {
      std::shared_ptr<Core> core;
      Pinned<float> x;
      W(Napi::Env env, std::shared_ptr<Core> c, Pinned<float> v) : Worker(env), core(std::move(c)), x(std::move(v)) {}
      void Run() override {
        std::unique_lock lock(core->mutex);
        core->require()->train(static_cast<idx_t>(x.length / core->dim), x.data);
      }
    };
    auto core = live(info.Env());
    return (new W(info.Env(), core, vectorsArg(info, 0, core->dim)))->Queue_();
  }

  // add(vectors, ids): ids are caller-chosen int64 labels, one per vector.
  Napi::Value Add(const Napi::CallbackInfo& info) {
    struct W : Worker {
      std::shared_ptr<Core> core;
      Pinned<float> x;
      Pinned<int64_t> ids;
      W(Napi::Env env, std::shared_ptr<Core> c, Pinned<float> v, Pinned<int64_t> i)
          : Worker(env), core(std::move(c)), x(std::move(v)), ids(std::move(i)) {}
      void Run() override {
        std::unique_lock lock(core->mutex);
        core->require()->add_with_ids(static_cast<idx_t>(ids.length), x.data, ids.data);
      }
    };
    auto core = live(info.Env());
    Pinned<float> x = vectorsArg(info, 0, core->dim);
    Pinned<int64_t> ids = idsArg(info, 1);
    if (ids.length * core->dim != x.length) throw Napi::RangeError::New(info.Env(), "one id per vector expected");
    return (new W(info.Env(), core, std::move(x), std::move(ids)))->Queue_();
  }

  // remove(ids) → number removed (ids not present are ignored).
  Napi::Value Remove(const Napi::CallbackInfo& info) {
    struct W : Worker {
      std::shared_ptr<Core> core;
      Pinned<int64_t> ids;
      size_t removed = 0;
      W(Napi::Env env, std::shared_ptr<Core> c, Pinned<int64_t> i) : Worker(env), core(std::move(c)), ids(std::move(i)) {}
      void Run() override {
        std::unique_lock lock(core->mutex);
        faiss::Index* top = core->require();
        if (core->kind == Kind::HNSW) {
          auto* map = core->idMap();
          for (size_t i = 0; i < ids.length; i++) {
            auto it = map->rev_map.find(ids.data[i]);
            if (it == map->rev_map.end()) continue;
            core->tombstones.insert(it->second);
            map->rev_map.erase(it);
            removed++;
          }
        } else if (core->kind == Kind::IVF) {
          // IVF's hashtable direct map only accepts an IDSelectorArray.
          faiss::IDSelectorArray sel(ids.length, ids.data);
          removed = top->remove_ids(sel);
        } else {
          faiss::IDSelectorBatch sel(ids.length, ids.data);
          removed = top->remove_ids(sel);
        }
      }
      Napi::Value Result(Napi::Env env) override { return Napi::Number::New(env, static_cast<double>(removed)); }
    };
    auto core = live(info.Env());
    return (new W(info.Env(), core, idsArg(info, 0)))->Queue_();
  }

  // search(queries, k, { efSearch, nprobe, allow }) → { distances: Float32Array, labels: BigInt64Array }
  // Missing results have label -1. `allow` restricts the search to those labels inside FAISS.
  Napi::Value Search(const Napi::CallbackInfo& info) {
    struct W : Worker {
      std::shared_ptr<Core> core;
      Pinned<float> x;
      Pinned<int64_t> allow;
      bool hasAllow = false;
      int k, efSearch, nprobe;
      std::vector<float> distances;
      std::vector<idx_t> labels;
      W(Napi::Env env, std::shared_ptr<Core> c, Pinned<float> q, int k_, int ef, int np)
          : Worker(env), core(std::move(c)), x(std::move(q)), k(k_), efSearch(ef), nprobe(np) {}

      void Run() override {
        std::shared_lock lock(core->mutex);
        core->require();
        const idx_t n = static_cast<idx_t>(x.length / core->dim);
        distances.assign(n * k, 0.0f);
        labels.assign(n * k, -1);
        faiss::IndexIDMap2* map = core->idMap();

        // IDMap's own search rejects search parameters in FAISS 1.7.3, so the inner index is
        // searched directly and its positions translated back to labels here.
        std::vector<idx_t> allowed;
        if (hasAllow) {
          allowed.reserve(allow.length);
          for (size_t i = 0; i < allow.length; i++) {
            if (!map) {
              allowed.push_back(allow.data[i]);
              continue;
            }
            auto it = map->rev_map.find(allow.data[i]);
            if (it != map->rev_map.end()) allowed.push_back(it->second);
          }
          if (allowed.empty()) return;
        }
        std::unique_ptr<faiss::IDSelectorBatch> allowSel;
        if (hasAllow) allowSel = std::make_unique<faiss::IDSelectorBatch>(allowed.size(), allowed.data());
        LiveSelector liveSel(core->tombstones, allowSel.get());
        const faiss::IDSelector* sel = allowSel.get();
        if (!core->tombstones.empty()) sel = &liveSel;

        faiss::SearchParametersHNSW hnswParams;
        faiss::SearchParametersIVF ivfParams;
        faiss::SearchParameters flatParams;
        faiss::SearchParameters* params = nullptr;
        switch (core->kind) {
          case Kind::HNSW:
            hnswParams.efSearch = efSearch > 0 ? efSearch : static_cast<faiss::IndexHNSW*>(core->inner())->hnsw.efSearch;
            hnswParams.efSearch = std::max(hnswParams.efSearch, k);
            params = &hnswParams;
            break;
          case Kind::IVF:
            ivfParams.nprobe = nprobe > 0 ? nprobe : static_cast<faiss::IndexIVF*>(core->inner())->nprobe;
            params = &ivfParams;
            break;
          case Kind::Flat:
            if (sel) params = &flatParams;
            break;
        }
        if (params) params->sel = const_cast<faiss::IDSelector*>(sel);
        core->inner()->search(n, x.data, k, distances.data(), labels.data(), params);
        if (map) {
          for (auto& label : labels) {
            if (label >= 0) label = map->id_map[label];
          }
        }
      }

      Napi::Value Result(Napi::Env env) override {
        auto d = Napi::Float32Array::New(env, distances.size());
        std::copy(distances.begin(), distances.end(), d.Data());
        auto l = Napi::BigInt64Array::New(env, labels.size());
        std::copy(labels.begin(), labels.end(), l.Data());
        auto out = Napi::Object::New(env);
        out.Set("distances", d);
        out.Set("labels", l);
        return out;
      }
    };
    Napi::Env env = info.Env();
    auto core = live(env);
    Pinned<float> x = vectorsArg(info, 0, core->dim);
    int k = info.Length() > 1 ? info[1].ToNumber().Int32Value() : 10;
    if (k <= 0) throw Napi::RangeError::New(env, "k must be positive");
    Napi::Object opts = info.Length() > 2 && info[2].IsObject() ? info[2].As<Napi::Object>() : Napi::Object::New(env);
    auto* w = new W(env, core, std::move(x), k, intOption(opts, "efSearch", 0), intOption(opts, "nprobe", 0));
    if (opts.Has("allow") && !opts.Get("allow").IsUndefined()) {
      Napi::Value allow = opts.Get("allow");
      if (!allow.IsTypedArray() || allow.As<Napi::TypedArray>().TypedArrayType() != napi_bigint64_array) {
        delete w;
        throw Napi::TypeError::New(env, "allow must be a BigInt64Array");
      }
      w->allow = Pinned<int64_t>(allow.As<Napi::BigInt64Array>());
      w->hasAllow = true;
    }
    return w->Queue_();
  }

  // reconstruct(ids) → Float32Array of the stored vectors, in the order asked.
  Napi::Value Reconstruct(const Napi::CallbackInfo& info) {
    struct W : Worker {
      std::shared_ptr<Core> core;
      Pinned<int64_t> ids;
      std::vector<float> out;
      W(Napi::Env env, std::shared_ptr<Core> c, Pinned<int64_t> i) : Worker(env), core(std::move(c)), ids(std::move(i)) {}
      void Run() override {
        std::shared_lock lock(core->mutex);
        out.resize(ids.length * core->dim);
        for (size_t i = 0; i < ids.length; i++) core->require()->reconstruct(ids.data[i], out.data() + i * core->dim);
      }
      Napi::Value Result(Napi::Env env) override {
        auto a = Napi::Float32Array::New(env, out.size());
        std::copy(out.begin(), out.end(), a.Data());
        return a;
      }
    };
    auto core = live(info.Env());
    return (new W(info.Env(), core, idsArg(info, 0)))->Queue_();
  }

  // labels() → every live label, in storage order.
  Napi::Value Labels(const Napi::CallbackInfo& info) {
    struct W : Worker {
      std::shared_ptr<Core> core;
      std::vector<idx_t> out;
      W(Napi::Env env, std::shared_ptr<Core> c) : Worker(env), core(std::move(c)) {}
      void Run() override {
        std::shared_lock lock(core->mutex);
        core->require();
        if (auto* map = core->idMap()) {
          out.reserve(core->live());
          for (size_t pos = 0; pos < map->id_map.size(); pos++) {
            if (core->tombstones.count(static_cast<idx_t>(pos)) == 0) out.push_back(map->id_map[pos]);
          }
          return;
        }
        auto* ivf = static_cast<faiss::IndexIVF*>(core->inner());
        out.reserve(ivf->ntotal);
        for (size_t list = 0; list < ivf->nlist; list++) {
          size_t size = ivf->invlists->list_size(list);
          const idx_t* ids = ivf->invlists->get_ids(list);
          out.insert(out.end(), ids, ids + size);
          ivf->invlists->release_ids(list, ids);
        }
      }
      Napi::Value Result(Napi::Env env) override {
        auto a = Napi::BigInt64Array::New(env, out.size());
        std::copy(out.begin(), out.end(), a.Data());
        return a;
      }
    };
    return (new W(info.Env(), live(info.Env())))->Queue_();
  }

  // write(path): tombstones are not part of FAISS's file format, so a file written after an HNSW
  // removal holds the removed vectors again; the owner re-removes them after read().
  Napi::Value Write(const Napi::CallbackInfo& info) {
    struct W : Worker {
      std::shared_ptr<Core> core;
      std::string path;
      W(Napi::Env env, std::shared_ptr<Core> c, std::string p) : Worker(env), core(std::move(c)), path(std::move(p)) {}
      void Run() override {
        std::shared_lock lock(core->mutex);
        faiss::write_index(core->require(), path.c_str());
      }
    };
    return (new W(info.Env(), live(info.Env()), info[0].ToString().Utf8Value()))->Queue_();
  }

  static Napi::Value Read(const Napi::CallbackInfo& info) {
    struct W : Worker {
      std::string path;
      std::shared_ptr<Core> core;
      W(Napi::Env env, std::string p) : Worker(env), path(std::move(p)) {}
      void Run() override { core = adoptIndex(faiss::read_index(path.c_str())); }
      Napi::Value Result(Napi::Env env) override {
        auto holder = Napi::External<std::shared_ptr<Core>>::New(
            env, new std::shared_ptr<Core>(core), [](Napi::Env, std::shared_ptr<Core>* p) { delete p; });
        return constructor->New({holder});
      }
    };
    return (new W(info.Env(), info[0].ToString().Utf8Value()))->Queue_();
  }

  // dispose() frees the index once in-flight work on it has finished; later calls reject.
  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    struct W : Worker {
      std::shared_ptr<Core> core;
      W(Napi::Env env, std::shared_ptr<Core> c) : Worker(env), core(std::move(c)) {}
      void Run() override {
        std::unique_lock lock(core->mutex);
        core->top.reset();
      }
    };
    auto core = live(info.Env());
    core_.reset();
    return (new W(info.Env(), core))->Queue_();
  }
};

Napi::FunctionReference* FaissIndex::constructor = nullptr;

Napi::Object Init(Napi::Env env, Napi::Object exports) { return FaissIndex::Init(env, exports); }

}  // namespace

NODE_API_MODULE(faiss_binding, Init)
