/** `s3edge/react`: thin hooks over the framework-free uploader and edge objects. */
export { useObservable, useUploader, useUpload, type Equality, type Selector } from "./react/hooks.js";
export { EdgeProvider, useEdge, type EdgeProviderProps } from "./react/edge-context.js";
export { EdgeImage, type EdgeImageProps } from "./react/edge-image.js";
export { useEdgeUrl } from "./react/use-edge-url.js";
export {
  useFileDrop,
  type FileDrop,
  type FileDropInputProps,
  type FileDropOptions,
  type FileDropRootProps,
} from "./react/file-drop.js";
export { accepts, checkFile, type FileChecks, type FileRejection, type FileRejectionCode } from "./react/accept.js";
export { useUploadItem, useUploads, type UploadItem } from "./react/upload-item.js";
